import { gemmAtB } from './gemm';
import { claim } from './schedule';

// Winograd F(2×2, 3×3) for stride-1 3×3 convs over NHWC data (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016): each 2×2 output tile takes 16 products per channel pair
// instead of 36, i.e. 2.25× fewer multiply-adds than the im2col GEMM. Dense 128-bit SIMD already runs
// the GEMM near this CPU's peak, so fewer products is the remaining way to make dense convs faster;
// the input gradient of sca-vgg-small's convs (dy is dense: surrogate gradients) is the main user.
//
//   V = Bᵀ d B (4×4 input patch d),  U = G g Gᵀ (3×3 filter g),  y = Aᵀ (Σ_cin U ⊙ V) A (2×2 output)
//
// The conv computed here: y[n, u, v, o] = Σ_{a,b,i} x[n, u+a−padTop, v+b−padLeft, i] · g[a, b, i, o]
// with x [n, h, w, cin] and y [n, oh, ow, cout] (out-of-range x reads are zero). The 16 products of a
// block of tiles are 16 GEMMs M[ξ] (tiles × cout) = V[ξ] (tiles × cin) · U[ξ] (cin × cout).
// Layouts (floats): U[ξ] panels [cout8/8][cin][8] (cout8 = cout rounded up to 8, zero padding);
// V[ξ] rows [tilesPadded][cin]; M[ξ] rows [tilesPadded][cout8].

/**
 * U = G g Gᵀ for every channel pair, packed per ξ = 4r + s. `flip` selects the filter of a conv's input
 * gradient: g[a, b, i, o] = w[2−a, 2−b, o, i] with w [3, 3, cout, cin] (tfjs' layout of the forward
 * conv whose gradient this is); otherwise g = w [3, 3, cin, cout] as is.
 */
export function winogradFilter(w: usize, u: usize, cin: i32, cout: i32, flip: bool): void {
  const cout8 = (cout + 7) & ~7;
  const xiBytes = (<usize>cout8 * <usize>cin) << 2;
  memory.fill(u, 0, xiBytes << 4);
  const tapBytes = (<usize>cin * <usize>cout) << 2;
  for (let i = 0; i < cin; i++) {
    for (let o = 0; o < cout; o++) {
      // g[a][b] at w + tap(a, b)·tapBytes + chan
      const chan = flip ? (<usize>(o * cin + i)) << 2 : (<usize>(i * cout + o)) << 2;
      const base = w + chan;
      // rows of t = G g (4×3): t0 = g0, t1 = (g0+g1+g2)/2, t2 = (g0−g1+g2)/2, t3 = g2 (rows of g)
      const g00 = tap(base, tapBytes, 0, 0, flip);
      const g01 = tap(base, tapBytes, 0, 1, flip);
      const g02 = tap(base, tapBytes, 0, 2, flip);
      const g10 = tap(base, tapBytes, 1, 0, flip);
      const g11 = tap(base, tapBytes, 1, 1, flip);
      const g12 = tap(base, tapBytes, 1, 2, flip);
      const g20 = tap(base, tapBytes, 2, 0, flip);
      const g21 = tap(base, tapBytes, 2, 1, flip);
      const g22 = tap(base, tapBytes, 2, 2, flip);
      const out = u + (((<usize>(o >> 3) * <usize>cin + <usize>i) << 3) + <usize>(o & 7)) * 4;
      storeRow(out, xiBytes, 0, g00, g01, g02);
      storeRow(out, xiBytes, 1, 0.5 * (g00 + g10 + g20), 0.5 * (g01 + g11 + g21), 0.5 * (g02 + g12 + g22));
      storeRow(out, xiBytes, 2, 0.5 * (g00 - g10 + g20), 0.5 * (g01 - g11 + g21), 0.5 * (g02 - g12 + g22));
      storeRow(out, xiBytes, 3, g20, g21, g22);
    }
  }
}

@inline
function tap(base: usize, tapBytes: usize, a: i32, b: i32, flip: bool): f32 {
  const k = flip ? 8 - (a * 3 + b) : a * 3 + b;
  return load<f32>(base + <usize>k * tapBytes);
}

/** Row r of U = t Gᵀ from row r of t = G g: (t0, (t0+t1+t2)/2, (t0−t1+t2)/2, t2) at ξ = 4r .. 4r+3. */
@inline
function storeRow(out: usize, xiBytes: usize, r: i32, t0: f32, t1: f32, t2: f32): void {
  const p = out + <usize>(r << 2) * xiBytes;
  store<f32>(p, t0);
  store<f32>(p + xiBytes, 0.5 * (t0 + t1 + t2));
  store<f32>(p + 2 * xiBytes, 0.5 * (t0 - t1 + t2));
  store<f32>(p + 3 * xiBytes, t2);
}

/**
 * V for tiles [t0, t0+nt): tile t covers outputs (2ty, 2tx) .. (2ty+1, 2tx+1) of image n and reads the
 * 4×4 patch of x at (2ty − padTop, 2tx − padLeft). Border patches are first copied, zero-padded, into
 * `patch` (16·cin floats) so that every tile runs the same loop. V(ξ, tile j, channels c..c+3) goes
 * to v + ξ·xiBytes + j·jStride + cBytes·cScale: rows [tiles][cin] (jStride = 4·cin, cScale = 1) or
 * gemmAtB's A panels [cin/4][nt][4] (jStride = 16, cScale = nt).
 */
function winogradInput(
  x: usize,
  v: usize,
  patch: usize,
  t0: i32,
  nt: i32,
  xiBytes: usize,
  jStride: usize,
  cScale: usize,
  h: i32,
  w: i32,
  cin: i32,
  th: i32,
  tw: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const pix = (<usize>cin) << 2;
  for (let j = 0; j < nt; j++) {
    const t = t0 + j;
    const n = t / (th * tw);
    const rem = t - n * th * tw;
    const y0 = ((rem / tw) << 1) - padTop;
    const x0 = ((rem % tw) << 1) - padLeft;
    let src: usize;
    let rowBytes: usize;
    if (y0 >= 0 && x0 >= 0 && y0 + 4 <= h && x0 + 4 <= w) {
      src = x + (<usize>((n * h + y0) * w + x0)) * pix;
      rowBytes = <usize>w * pix;
    } else {
      src = patch;
      rowBytes = pix << 2;
      for (let r = 0; r < 4; r++) {
        const yy = y0 + r;
        for (let s = 0; s < 4; s++) {
          const xx = x0 + s;
          const dst = patch + <usize>(r * 4 + s) * pix;
          if (yy >= 0 && yy < h && xx >= 0 && xx < w) {
            memory.copy(dst, x + (<usize>((n * h + yy) * w + xx)) * pix, pix);
          } else {
            memory.fill(dst, 0, pix);
          }
        }
      }
    }
    const out = v + <usize>j * jStride;
    for (let c: usize = 0; c < pix; c += 16) {
      const p0 = src + c;
      const p1 = p0 + rowBytes;
      const p2 = p1 + rowBytes;
      const p3 = p2 + rowBytes;
      // t = Bᵀ d (rows): t0 = d0 − d2, t1 = d1 + d2, t2 = d2 − d1, t3 = d1 − d3 — column by column
      const d1s0 = v128.load(p1);
      const d2s0 = v128.load(p2);
      const t00 = f32x4.sub(v128.load(p0), d2s0);
      const t10 = f32x4.add(d1s0, d2s0);
      const t20 = f32x4.sub(d2s0, d1s0);
      const t30 = f32x4.sub(d1s0, v128.load(p3));
      const d1s1 = v128.load(p1 + pix);
      const d2s1 = v128.load(p2 + pix);
      const t01 = f32x4.sub(v128.load(p0 + pix), d2s1);
      const t11 = f32x4.add(d1s1, d2s1);
      const t21 = f32x4.sub(d2s1, d1s1);
      const t31 = f32x4.sub(d1s1, v128.load(p3 + pix));
      const d1s2 = v128.load(p1 + 2 * pix);
      const d2s2 = v128.load(p2 + 2 * pix);
      const t02 = f32x4.sub(v128.load(p0 + 2 * pix), d2s2);
      const t12 = f32x4.add(d1s2, d2s2);
      const t22 = f32x4.sub(d2s2, d1s2);
      const t32 = f32x4.sub(d1s2, v128.load(p3 + 2 * pix));
      const d1s3 = v128.load(p1 + 3 * pix);
      const d2s3 = v128.load(p2 + 3 * pix);
      const t03 = f32x4.sub(v128.load(p0 + 3 * pix), d2s3);
      const t13 = f32x4.add(d1s3, d2s3);
      const t23 = f32x4.sub(d2s3, d1s3);
      const t33 = f32x4.sub(d1s3, v128.load(p3 + 3 * pix));
      // V = t B (columns), ξ = 4r + s
      const o = out + c * cScale;
      inputRow(o, xiBytes, 0, t00, t01, t02, t03);
      inputRow(o, xiBytes, 1, t10, t11, t12, t13);
      inputRow(o, xiBytes, 2, t20, t21, t22, t23);
      inputRow(o, xiBytes, 3, t30, t31, t32, t33);
    }
  }
}

@inline
function inputRow(o: usize, xiBytes: usize, r: i32, a: v128, b: v128, c: v128, d: v128): void {
  const p = o + <usize>(r << 2) * xiBytes;
  v128.store(p, f32x4.sub(a, c));
  v128.store(p + xiBytes, f32x4.add(b, c));
  v128.store(p + 2 * xiBytes, f32x4.sub(c, b));
  v128.store(p + 3 * xiBytes, f32x4.sub(b, d));
}

/**
 * M[rows × cout8] = V[rows × cin] · U with U packed [cout8/8][cin][8]; rows a multiple of 4. The 4×8
 * register block of gemm.ts' gemmAB, reading four rows of V in place of a packed A panel. Not shared
 * with gemmAB through an inlined generic: Binaryen then keeps gemmAB's constant lane offsets as i32.add
 * before each broadcast load instead of folding them into the load (checked in the disassembly).
 */
function gemmRows(a: usize, b: usize, c: usize, rows: i32, cout8: i32, cin: i32): void {
  const aRow = (<usize>cin) << 2;
  const cRow = (<usize>cout8) << 2;
  const bPanelBytes = (<usize>cin) << 5;
  for (let ob = 0; ob < cout8; ob += 8) {
    const bPanel = b + <usize>(ob >> 3) * bPanelBytes;
    for (let r = 0; r < rows; r += 4) {
      const a0 = a + <usize>r * aRow;
      let a00 = f32x4.splat(0);
      let a01 = f32x4.splat(0);
      let a10 = f32x4.splat(0);
      let a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0);
      let a21 = f32x4.splat(0);
      let a30 = f32x4.splat(0);
      let a31 = f32x4.splat(0);
      let pa = a0;
      let pb = bPanel;
      const end = a0 + aRow;
      while (pa < end) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        let s = v128.load32_splat(pa);
        a00 = f32x4.add(a00, f32x4.mul(s, b0));
        a01 = f32x4.add(a01, f32x4.mul(s, b1));
        s = v128.load32_splat(pa + aRow);
        a10 = f32x4.add(a10, f32x4.mul(s, b0));
        a11 = f32x4.add(a11, f32x4.mul(s, b1));
        s = v128.load32_splat(pa + 2 * aRow);
        a20 = f32x4.add(a20, f32x4.mul(s, b0));
        a21 = f32x4.add(a21, f32x4.mul(s, b1));
        s = v128.load32_splat(pa + 3 * aRow);
        a30 = f32x4.add(a30, f32x4.mul(s, b0));
        a31 = f32x4.add(a31, f32x4.mul(s, b1));
        pa += 4;
        pb += 32;
      }
      const c0 = c + <usize>r * cRow + ((<usize>ob) << 2);
      const c1 = c0 + cRow;
      const c2 = c1 + cRow;
      const c3 = c2 + cRow;
      v128.store(c0, a00);
      v128.store(c0, a01, 16);
      v128.store(c1, a10);
      v128.store(c1, a11, 16);
      v128.store(c2, a20);
      v128.store(c2, a21, 16);
      v128.store(c3, a30);
      v128.store(c3, a31, 16);
    }
  }
}

/** y tiles from M: y = Aᵀ m A with Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]]; outputs past oh/ow are dropped. */
function winogradOutput(
  m: usize,
  y: usize,
  t0: i32,
  nt: i32,
  rows: i32,
  oh: i32,
  ow: i32,
  cout: i32,
  cout8: i32,
  th: i32,
  tw: i32,
): void {
  const pix = (<usize>cout) << 2;
  const xiBytes = (<usize>rows * <usize>cout8) << 2;
  for (let j = 0; j < nt; j++) {
    const t = t0 + j;
    const n = t / (th * tw);
    const rem = t - n * th * tw;
    const u = (rem / tw) << 1;
    const v = (rem % tw) << 1;
    const right = v + 1 < ow;
    const below = u + 1 < oh;
    const dst = y + (<usize>((n * oh + u) * ow + v)) * pix;
    const dstBelow = dst + <usize>ow * pix;
    const src = m + ((<usize>j * <usize>cout8) << 2);
    for (let c: usize = 0; c < pix; c += 16) {
      const q = src + c;
      // s = Aᵀ m (rows): s0 = m0 + m1 + m2, s1 = m1 − m2 − m3, per column
      const m4 = xiBytes << 2;
      const r00 = v128.load(q);
      const r01 = v128.load(q + xiBytes);
      const r02 = v128.load(q + 2 * xiBytes);
      const r03 = v128.load(q + 3 * xiBytes);
      const r10 = v128.load(q + m4);
      const r11 = v128.load(q + m4 + xiBytes);
      const r12 = v128.load(q + m4 + 2 * xiBytes);
      const r13 = v128.load(q + m4 + 3 * xiBytes);
      const r20 = v128.load(q + 2 * m4);
      const r21 = v128.load(q + 2 * m4 + xiBytes);
      const r22 = v128.load(q + 2 * m4 + 2 * xiBytes);
      const r23 = v128.load(q + 2 * m4 + 3 * xiBytes);
      const r30 = v128.load(q + 3 * m4);
      const r31 = v128.load(q + 3 * m4 + xiBytes);
      const r32 = v128.load(q + 3 * m4 + 2 * xiBytes);
      const r33 = v128.load(q + 3 * m4 + 3 * xiBytes);
      const s00 = f32x4.add(f32x4.add(r00, r10), r20);
      const s01 = f32x4.add(f32x4.add(r01, r11), r21);
      const s02 = f32x4.add(f32x4.add(r02, r12), r22);
      const s03 = f32x4.add(f32x4.add(r03, r13), r23);
      const s10 = f32x4.sub(f32x4.sub(r10, r20), r30);
      const s11 = f32x4.sub(f32x4.sub(r11, r21), r31);
      const s12 = f32x4.sub(f32x4.sub(r12, r22), r32);
      const s13 = f32x4.sub(f32x4.sub(r13, r23), r33);
      // y = s A (columns)
      v128.store(dst + c, f32x4.add(f32x4.add(s00, s01), s02));
      if (right) v128.store(dst + pix + c, f32x4.sub(f32x4.sub(s01, s02), s03));
      if (below) {
        v128.store(dstBelow + c, f32x4.add(f32x4.add(s10, s11), s12));
        if (right) v128.store(dstBelow + pix + c, f32x4.sub(f32x4.sub(s11, s12), s13));
      }
    }
  }
}

/**
 * The whole conv over `tiles` = n·⌈oh/2⌉·⌈ow/2⌉ tiles, claimed `nt` at a time from `counter` by every
 * thread (schedule.ts). Per thread: v (16·rows·cin floats), m (16·rows·cout8), patch (16·cin), with
 * rows = nt rounded up to 4. Tiles write disjoint outputs, so y needs no zeroing. cin and cout must be
 * multiples of 4 (the channel loops are 4-wide).
 */
export function winogradRange(
  x: usize,
  u: usize,
  v: usize,
  m: usize,
  patch: usize,
  y: usize,
  counter: usize,
  tiles: i32,
  nt: i32,
  h: i32,
  w: i32,
  cin: i32,
  oh: i32,
  ow: i32,
  cout: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const th = (oh + 1) >> 1;
  const tw = (ow + 1) >> 1;
  const rows = (nt + 3) & ~3;
  const cout8 = (cout + 7) & ~7;
  const vXi = (<usize>rows * <usize>cin) << 2;
  const mXi = (<usize>rows * <usize>cout8) << 2;
  const uXi = (<usize>cin * <usize>cout8) << 2;
  const pix = (<usize>cin) << 2;
  for (let t0 = claim(counter, nt); t0 < tiles; t0 = claim(counter, nt)) {
    const n = min(nt, tiles - t0);
    winogradInput(x, v, patch, t0, n, vXi, pix, 1, h, w, cin, th, tw, padTop, padLeft);
    const r4 = (n + 3) & ~3;
    // rows past the last tile feed the 4-row GEMM block: zero, not stale arena bytes (NaN, denormals)
    if (r4 > n) {
      for (let xi = 0; xi < 16; xi++) memory.fill(v + <usize>xi * vXi + <usize>n * pix, 0, <usize>(r4 - n) * pix);
    }
    for (let xi = 0; xi < 16; xi++) {
      gemmRows(v + <usize>xi * vXi, u + <usize>xi * uXi, m + <usize>xi * mXi, r4, cout8, cin);
    }
    winogradOutput(m, y, t0, n, rows, oh, ow, cout, cout8, th, tw);
  }
}

// ---------------------------------------------------------------------------------------------
// Filter gradient, F(3×3, 2×2): dW[a, b, i, o] = Σ x[n, u+a−padTop, v+b−padLeft, i] · dy[n, u, v, o].
// Each 2×2 block of dy (a tile of the forward output) meets the same 4×4 x patch as in the forward
// conv, so x takes the same transform V; the dy block takes W = G′ g G′ᵀ, and the 16 products summed
// over all tiles are 16 GEMMs Σ_tiles Vᵀ·W (cin × cout) before one output transform to 3×3:
//   G′ = [[1, 0], [½, ½], [½, −½], [0, −1]]   Aᵀ = [[1, 1, 1, 0], [0, 1, −1, 0], [0, 1, 1, 1]]
// (G′'s last row is negated to match V's Bᵀ, whose last row is [0, 1, 0, −1].)
// ---------------------------------------------------------------------------------------------

/**
 * W for the dy blocks of tiles [t0, t0+nt) in gemmAtB's B panels per ξ: [cout8/8][nt][8] (ξ stride
 * xiBytes). Positions past oh/ow read `zeros` (cout floats of 0).
 */
function filterGradDy(
  dy: usize,
  b: usize,
  zeros: usize,
  t0: i32,
  nt: i32,
  xiBytes: usize,
  oh: i32,
  ow: i32,
  cout: i32,
  th: i32,
  tw: i32,
): void {
  const pix = (<usize>cout) << 2;
  const half = f32x4.splat(0.5);
  const panelBytes = (<usize>nt) << 5;
  for (let j = 0; j < nt; j++) {
    const t = t0 + j;
    const n = t / (th * tw);
    const rem = t - n * th * tw;
    const u = (rem / tw) << 1;
    const v = (rem % tw) << 1;
    const right = v + 1 < ow;
    const below = u + 1 < oh;
    const p00 = dy + (<usize>((n * oh + u) * ow + v)) * pix;
    const p01 = right ? p00 + pix : zeros;
    const p10 = below ? p00 + <usize>ow * pix : zeros;
    const p11 = right && below ? p00 + <usize>(ow + 1) * pix : zeros;
    const out = b + (<usize>j << 5);
    for (let c: usize = 0; c < pix; c += 16) {
      const g00 = v128.load(p00 + c);
      const g01 = v128.load(p01 + c);
      const g10 = v128.load(p10 + c);
      const g11 = v128.load(p11 + c);
      // rows of t = G′ g: (g0), ½(g0 + g1), ½(g0 − g1), −g1; then each row times G′ᵀ
      const o = out + (c >> 5) * panelBytes + (c & 16);
      dyRow(o, xiBytes, 0, g00, g01, half);
      dyRow(o, xiBytes, 1, f32x4.mul(half, f32x4.add(g00, g10)), f32x4.mul(half, f32x4.add(g01, g11)), half);
      dyRow(o, xiBytes, 2, f32x4.mul(half, f32x4.sub(g00, g10)), f32x4.mul(half, f32x4.sub(g01, g11)), half);
      dyRow(o, xiBytes, 3, f32x4.neg(g10), f32x4.neg(g11), half);
    }
    // cout % 8 = 4: the last panel's upper half multiplies into C's padding columns; keep it zero
    if ((cout & 7) !== 0) {
      const o = out + <usize>(cout >> 3) * panelBytes + 16;
      for (let xi = 0; xi < 16; xi++) v128.store(o + <usize>xi * xiBytes, f32x4.splat(0));
    }
  }
}

@inline
function dyRow(o: usize, xiBytes: usize, r: i32, t0: v128, t1: v128, half: v128): void {
  const p = o + <usize>(r << 2) * xiBytes;
  v128.store(p, t0);
  v128.store(p + xiBytes, f32x4.mul(half, f32x4.add(t0, t1)));
  v128.store(p + 2 * xiBytes, f32x4.mul(half, f32x4.sub(t0, t1)));
  v128.store(p + 3 * xiBytes, f32x4.neg(t1));
}

/**
 * The 16 sums ([16][cin][cout8]) of the forward output grid's tiles, block by block: the threads
 * claim whole blocks of `perBlock` tiles (a multiple of `nt`) and block k accumulates, tiles in
 * order, into its own sums at c + k·16·cin·cout8 (zeroed by the caller, who adds the blocks in
 * order): the result does not depend on which thread ran which block. Per thread: a (16·nt·cin
 * floats), b (16·nt·cout8), patch (16·cin), zeros (cout, all 0). cin and cout multiples of 4.
 */
export function winogradFilterGradRange(
  x: usize,
  dy: usize,
  a: usize,
  b: usize,
  c: usize,
  patch: usize,
  zeros: usize,
  counter: usize,
  tiles: i32,
  nt: i32,
  perBlock: i32,
  h: i32,
  w: i32,
  cin: i32,
  oh: i32,
  ow: i32,
  cout: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const th = (oh + 1) >> 1;
  const tw = (ow + 1) >> 1;
  const cout8 = (cout + 7) & ~7;
  const aXi = (<usize>nt * <usize>cin) << 2;
  const bXi = (<usize>nt * <usize>cout8) << 2;
  const cXi = (<usize>cin * <usize>cout8) << 2;
  const blocks = (tiles + perBlock - 1) / perBlock;
  for (let k = claim(counter, 1); k < blocks; k = claim(counter, 1)) {
    const sums = c + <usize>k * 16 * cXi;
    const last = min(tiles, (k + 1) * perBlock);
    for (let t0 = k * perBlock; t0 < last; t0 += nt) {
      const n = min(nt, last - t0);
      winogradInput(x, a, patch, t0, n, aXi, 16, <usize>n, h, w, cin, th, tw, padTop, padLeft);
      filterGradDy(dy, b, zeros, t0, n, bXi, oh, ow, cout, th, tw);
      for (let xi = 0; xi < 16; xi++) {
        gemmAtB(a + <usize>xi * aXi, b + <usize>xi * bXi, sums + <usize>xi * cXi, cin, cout8, n);
      }
    }
  }
}

/** dW [3, 3, cin, cout] = Aᵀ M A of the summed products c ([16][cin][cout8]). */
export function winogradFilterGradOut(c: usize, dw: usize, cin: i32, cout: i32): void {
  const cout8 = (cout + 7) & ~7;
  const cXi = (<usize>cin * <usize>cout8) << 2;
  const tap = (<usize>cin * <usize>cout) << 2;
  for (let i = 0; i < cin; i++) {
    for (let o = 0; o < cout; o += 4) {
      const q = c + ((<usize>(i * cout8 + o)) << 2);
      const dst = dw + ((<usize>(i * cout + o)) << 2);
      // s = Aᵀ M (rows): s0 = M0 + M1 + M2, s1 = M1 − M2, s2 = M1 + M2 + M3, per column; s (3×4)
      // overwrites rows 0–2 of M in place
      for (let col = 0; col < 4; col++) {
        const m0 = v128.load(q + <usize>col * cXi);
        const m1 = v128.load(q + <usize>(4 + col) * cXi);
        const m2 = v128.load(q + <usize>(8 + col) * cXi);
        const m3 = v128.load(q + <usize>(12 + col) * cXi);
        const mid = f32x4.add(m1, m2);
        v128.store(q + <usize>col * cXi, f32x4.add(m0, mid));
        v128.store(q + <usize>(4 + col) * cXi, f32x4.sub(m1, m2));
        v128.store(q + <usize>(8 + col) * cXi, f32x4.add(mid, m3));
      }
      // y = s A (columns): y0 = s0 + s1 + s2, y1 = s1 − s2, y2 = s1 + s2 + s3
      for (let r = 0; r < 3; r++) {
        const s0 = v128.load(q + <usize>(4 * r) * cXi);
        const s1 = v128.load(q + <usize>(4 * r + 1) * cXi);
        const s2 = v128.load(q + <usize>(4 * r + 2) * cXi);
        const s3 = v128.load(q + <usize>(4 * r + 3) * cXi);
        const mid = f32x4.add(s1, s2);
        const row = dst + <usize>(3 * r) * tap;
        v128.store(row, f32x4.add(s0, mid));
        v128.store(row + tap, f32x4.sub(s1, s2));
        v128.store(row + 2 * tap, f32x4.add(mid, s3));
      }
    }
  }
}
