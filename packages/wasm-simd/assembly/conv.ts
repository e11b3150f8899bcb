import { claim } from './schedule';

// Conv2D gradient kernels (NHWC, filter [kh, kw, ci, co]) as im2col/col2im around packed
// SIMD GEMM micro-kernels. All pointers are byte offsets into this module's memory; the
// JavaScript side owns the layout (a bump arena) and copies tensors in and out.
//
// Shapes shared by the entry points (one "tile" is `pt` consecutive output pixels p = (n, oh, ow)):
//   x  [n, ih, iw, ci]      dy [n, oh, ow, co]      K = kh·kw·ci (row index of the flattened filter)

/** Zero `bytes` bytes at `ptr` (multiple of 16). */
export function zero(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}

// ---------------------------------------------------------------------------------------------
// Filter gradient: dW[K × Co] += Xcol^T · DY over all pixels.
// Panels: A = im2col tile packed as [Kp/4][pt][4], B = dy tile packed as [Cop/8][pt][8], where Kp
// and Cop are K and Co rounded up to 4 and 8 (padding is zero). C is a padded [Kp × Cop] buffer.
// ---------------------------------------------------------------------------------------------

/** im2col of `pt` pixels starting at flat pixel index `p0`, written straight into A panels. */
export function packIm2colPanels(
  x: usize,
  a: usize,
  p0: i32,
  pt: i32,
  ptStride: i32,
  inH: i32,
  inW: i32,
  ci: i32,
  outH: i32,
  outW: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const kTotal = kh * kw * ci;
  const kp = (kTotal + 3) & ~3;
  const vec = (ci & 3) === 0;
  const panelBytes = <usize>ptStride * 16;
  // Zero the K padding lanes and unused pixel rows once: the loops below only write real data.
  if (kp !== kTotal || pt !== ptStride) memory.fill(a, 0, <usize>(kp >> 2) * panelBytes);
  const hw = outH * outW;
  for (let i = 0; i < pt; i++) {
    const p = p0 + i;
    const n = p / hw;
    const rem = p - n * hw;
    const oh = rem / outW;
    const ow = rem - oh * outW;
    const rowOut = a + ((<usize>i) << 4);
    for (let r = 0; r < kh; r++) {
      const ih = oh * sh - padTop + r;
      const rowValid = ih >= 0 && ih < inH;
      for (let s = 0; s < kw; s++) {
        const iw = ow * sw - padLeft + s;
        const k0 = (r * kw + s) * ci;
        const valid = rowValid && iw >= 0 && iw < inW;
        const src = x + ((<usize>((n * inH + ih) * inW + iw) * <usize>ci) << 2);
        if (vec) {
          for (let c = 0; c < ci; c += 4) {
            const dst = rowOut + <usize>((k0 + c) >> 2) * panelBytes;
            if (valid) v128.store(dst, v128.load(src + ((<usize>c) << 2)));
            else v128.store(dst, f32x4.splat(0));
          }
        } else {
          for (let c = 0; c < ci; c++) {
            const k = k0 + c;
            const dst = rowOut + <usize>(k >> 2) * panelBytes + ((<usize>(k & 3)) << 2);
            if (valid) store<f32>(dst, load<f32>(src + ((<usize>c) << 2)));
            else store<f32>(dst, 0);
          }
        }
      }
    }
  }
}

/** Copy `pt` rows of a [rows × cols] matrix starting at row `p0` into [Cp/8][ptStride][8] panels. */
export function packRowsPanels8(src: usize, b: usize, p0: i32, pt: i32, ptStride: i32, cols: i32): void {
  const cp = (cols + 7) & ~7;
  const panelBytes = <usize>ptStride * 32;
  if (cp !== cols || pt !== ptStride) memory.fill(b, 0, <usize>(cp >> 3) * panelBytes);
  const vec = (cols & 3) === 0;
  for (let i = 0; i < pt; i++) {
    const row = src + ((<usize>(p0 + i) * <usize>cols) << 2);
    const out = b + ((<usize>i) << 5);
    if (vec) {
      for (let c = 0; c < cols; c += 4) {
        v128.store(
          out + <usize>(c >> 3) * panelBytes + ((<usize>(c & 7)) << 2),
          v128.load(row + ((<usize>c) << 2)),
        );
      }
    } else {
      for (let c = 0; c < cols; c++) {
        store<f32>(
          out + <usize>(c >> 3) * panelBytes + ((<usize>(c & 7)) << 2),
          load<f32>(row + ((<usize>c) << 2)),
        );
      }
    }
  }
}

/**
 * C[Kp × Cop] += A^T · B with A = [Kp/4][pt][4], B = [Cop/8][pt][8] (pt pixels, any count).
 * Micro-tile 4×8: 8 accumulators, per pixel 2 loads of B and 4 broadcast loads of A.
 */
export function gemmAtB(a: usize, b: usize, c: usize, kp: i32, cop: i32, pt: i32): void {
  const rowBytes = (<usize>cop) << 2;
  for (let kb = 0; kb < kp; kb += 4) {
    const aPanel = a + ((<usize>kb * <usize>pt) << 2);
    for (let cb = 0; cb < cop; cb += 8) {
      const bPanel = b + ((<usize>cb * <usize>pt) << 2);
      const c0 = c + <usize>kb * rowBytes + ((<usize>cb) << 2);
      const c1 = c0 + rowBytes;
      const c2 = c1 + rowBytes;
      const c3 = c2 + rowBytes;
      let a00 = v128.load(c0);
      let a01 = v128.load(c0, 16);
      let a10 = v128.load(c1);
      let a11 = v128.load(c1, 16);
      let a20 = v128.load(c2);
      let a21 = v128.load(c2, 16);
      let a30 = v128.load(c3);
      let a31 = v128.load(c3, 16);
      let pa = aPanel;
      let pb = bPanel;
      const end = aPanel + ((<usize>pt) << 4);
      while (pa < end) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        let s = v128.load32_splat(pa);
        a00 = f32x4.add(a00, f32x4.mul(s, b0));
        a01 = f32x4.add(a01, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 4);
        a10 = f32x4.add(a10, f32x4.mul(s, b0));
        a11 = f32x4.add(a11, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 8);
        a20 = f32x4.add(a20, f32x4.mul(s, b0));
        a21 = f32x4.add(a21, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 12);
        a30 = f32x4.add(a30, f32x4.mul(s, b0));
        a31 = f32x4.add(a31, f32x4.mul(s, b1));
        pa += 16;
        pb += 32;
      }
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

// ---------------------------------------------------------------------------------------------
// Input gradient: Dcol[pt × K] = DY_tile · W^T, then col2im adds Dcol into dx.
// Panels: A = dy tile packed as [ptp/4][Co][4]; B = W packed once as [Kp/8][Co][8].
// ---------------------------------------------------------------------------------------------

/** Pack W [K × Co] (row-major) into [Kp/8][Co][8] panels of W^T. */
export function packFilterT(w: usize, b: usize, kTotal: i32, co: i32): void {
  const kp = (kTotal + 7) & ~7;
  memory.fill(b, 0, (<usize>kp * <usize>co) << 2);
  for (let k = 0; k < kTotal; k++) {
    const row = w + ((<usize>k * <usize>co) << 2);
    const out = b + ((<usize>(k >> 3) * <usize>co) << 5) + ((<usize>(k & 7)) << 2);
    for (let c = 0; c < co; c++) store<f32>(out + ((<usize>c) << 5), load<f32>(row + ((<usize>c) << 2)));
  }
}

/** Pack `pt` rows (starting at p0) of DY [P × Co] as [ptp/4][Co][4] (rows past pt are zero). */
export function packRowsT4(dy: usize, a: usize, p0: i32, pt: i32, co: i32): void {
  const ptp = (pt + 3) & ~3;
  if (ptp !== pt) memory.fill(a + ((<usize>(ptp - 4) * <usize>co) << 2), 0, (<usize>co) << 4);
  for (let i = 0; i < pt; i++) {
    const row = dy + ((<usize>(p0 + i) * <usize>co) << 2);
    const out = a + ((<usize>(i >> 2) * <usize>co) << 4) + ((<usize>(i & 3)) << 2);
    for (let c = 0; c < co; c++) store<f32>(out + ((<usize>c) << 4), load<f32>(row + ((<usize>c) << 2)));
  }
}

/** C[ptp × Kp] = A · B with A = [ptp/4][Co][4], B = [Kp/8][Co][8]; C row stride Kp. */
export function gemmAB(a: usize, b: usize, c: usize, ptp: i32, kp: i32, co: i32): void {
  const rowBytes = (<usize>kp) << 2;
  const aPanelBytes = (<usize>co) << 4;
  const bPanelBytes = (<usize>co) << 5;
  for (let kb = 0; kb < kp; kb += 8) {
    const bPanel = b + <usize>(kb >> 3) * bPanelBytes;
    for (let pb = 0; pb < ptp; pb += 4) {
      const aPanel = a + <usize>(pb >> 2) * aPanelBytes;
      let a00 = f32x4.splat(0);
      let a01 = f32x4.splat(0);
      let a10 = f32x4.splat(0);
      let a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0);
      let a21 = f32x4.splat(0);
      let a30 = f32x4.splat(0);
      let a31 = f32x4.splat(0);
      let pa = aPanel;
      let pbv = bPanel;
      const end = aPanel + aPanelBytes;
      while (pa < end) {
        const b0 = v128.load(pbv);
        const b1 = v128.load(pbv, 16);
        let s = v128.load32_splat(pa);
        a00 = f32x4.add(a00, f32x4.mul(s, b0));
        a01 = f32x4.add(a01, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 4);
        a10 = f32x4.add(a10, f32x4.mul(s, b0));
        a11 = f32x4.add(a11, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 8);
        a20 = f32x4.add(a20, f32x4.mul(s, b0));
        a21 = f32x4.add(a21, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 12);
        a30 = f32x4.add(a30, f32x4.mul(s, b0));
        a31 = f32x4.add(a31, f32x4.mul(s, b1));
        pa += 16;
        pbv += 32;
      }
      const c0 = c + <usize>pb * rowBytes + ((<usize>kb) << 2);
      const c1 = c0 + rowBytes;
      const c2 = c1 + rowBytes;
      const c3 = c2 + rowBytes;
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

/** dx[n, ih, iw, ci] += Dcol[i, (r·kw + s)·ci + c] for the `pt` pixels starting at p0. */
export function col2imAdd(
  col: usize,
  dx: usize,
  p0: i32,
  pt: i32,
  kp: i32,
  inH: i32,
  inW: i32,
  ci: i32,
  outH: i32,
  outW: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const hw = outH * outW;
  const vec = (ci & 3) === 0;
  for (let i = 0; i < pt; i++) {
    const p = p0 + i;
    const n = p / hw;
    const rem = p - n * hw;
    const oh = rem / outW;
    const ow = rem - oh * outW;
    const rowIn = col + ((<usize>i * <usize>kp) << 2);
    for (let r = 0; r < kh; r++) {
      const ih = oh * sh - padTop + r;
      if (ih < 0 || ih >= inH) continue;
      for (let s = 0; s < kw; s++) {
        const iw = ow * sw - padLeft + s;
        if (iw < 0 || iw >= inW) continue;
        const src = rowIn + ((<usize>((r * kw + s) * ci)) << 2);
        const dst = dx + ((<usize>((n * inH + ih) * inW + iw) * <usize>ci) << 2);
        if (vec) {
          for (let c = 0; c < ci; c += 4) {
            const o = (<usize>c) << 2;
            v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
          }
        } else {
          for (let c = 0; c < ci; c++) {
            const o = (<usize>c) << 2;
            store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
          }
        }
      }
    }
  }
}

/** Copy the valid [rows × cols] block out of a padded buffer with row stride `stride` floats. */
export function unpad(src: usize, dst: usize, rows: i32, cols: i32, stride: i32): void {
  for (let r = 0; r < rows; r++) {
    memory.copy(
      dst + ((<usize>r * <usize>cols) << 2),
      src + ((<usize>r * <usize>stride) << 2),
      (<usize>cols) << 2,
    );
  }
}

export function heapBase(): usize {
  return __heap_base;
}

// ---------------------------------------------------------------------------------------------
// Whole-range drivers: one call per thread; each thread owns its scratch (a, b, col / c).
// ---------------------------------------------------------------------------------------------

/** Filter gradient over pixels [p0, p1) in tiles of `pt`, accumulated into the padded C. */
export function convFilterRange(
  x: usize,
  dy: usize,
  a: usize,
  b: usize,
  c: usize,
  p0: i32,
  p1: i32,
  pt: i32,
  inH: i32,
  inW: i32,
  ci: i32,
  outH: i32,
  outW: i32,
  co: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const kp = (kh * kw * ci + 3) & ~3;
  const cop = (co + 7) & ~7;
  for (let p = p0; p < p1; p += pt) {
    const n = min(pt, p1 - p);
    packIm2colPanels(x, a, p, n, n, inH, inW, ci, outH, outW, kh, kw, sh, sw, padTop, padLeft);
    packRowsPanels8(dy, b, p, n, n, co);
    gemmAtB(a, b, c, kp, cop, n);
  }
}

/**
 * Input gradient over images [counter, end), claimed `chunk` images at a time (schedule.ts; whole
 * images, so threads never write the same dx rows).
 */
export function convInputRange(
  dy: usize,
  wt: usize,
  a: usize,
  col: usize,
  dx: usize,
  counter: usize,
  end: i32,
  chunk: i32,
  pt: i32,
  inH: i32,
  inW: i32,
  ci: i32,
  outH: i32,
  outW: i32,
  co: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const kp = (kh * kw * ci + 7) & ~7;
  const hw = outH * outW;
  for (let n0 = claim(counter, chunk); n0 < end; n0 = claim(counter, chunk)) {
    const p1 = min(end, n0 + chunk) * hw;
    for (let p = n0 * hw; p < p1; p += pt) {
      const n = min(pt, p1 - p);
      packRowsT4(dy, a, p, n, co);
      gemmAB(a, wt, col, (n + 3) & ~3, kp, co);
      col2imAdd(col, dx, p, n, kp, inH, inW, ci, outH, outW, kh, kw, sh, sw, padTop, padLeft);
    }
  }
}

/** c[i] += src[i] for `count` floats (count multiple of 4): reduces per-thread partial sums. */
export function addInto(c: usize, src: usize, count: i32): void {
  for (let i = 0; i < count; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(c + o, f32x4.add(v128.load(c + o), v128.load(src + o)));
  }
}

/**
 * Throughput probe for the machine's 128-bit SIMD peak: per round, 6 independent f32x4 multiply
 * chains and 6 independent add chains (48 flops per round; enough chains to cover the latencies,
 * few enough to stay in registers). Returns a lane sum so that the work cannot be elided.
 */
export function simdPeakProbe(iters: i32, seed: f32): f32 {
  const m = f32x4.splat(0.999999);
  const c = f32x4.splat(1e-7);
  let p0 = f32x4.splat(seed + 0);
  let p1 = f32x4.splat(seed + 1);
  let p2 = f32x4.splat(seed + 2);
  let p3 = f32x4.splat(seed + 3);
  let p4 = f32x4.splat(seed + 4);
  let p5 = f32x4.splat(seed + 5);
  let q0 = f32x4.splat(seed - 0);
  let q1 = f32x4.splat(seed - 1);
  let q2 = f32x4.splat(seed - 2);
  let q3 = f32x4.splat(seed - 3);
  let q4 = f32x4.splat(seed - 4);
  let q5 = f32x4.splat(seed - 5);
  for (let i = 0; i < iters; i++) {
    p0 = f32x4.mul(p0, m);
    q0 = f32x4.add(q0, c);
    p1 = f32x4.mul(p1, m);
    q1 = f32x4.add(q1, c);
    p2 = f32x4.mul(p2, m);
    q2 = f32x4.add(q2, c);
    p3 = f32x4.mul(p3, m);
    q3 = f32x4.add(q3, c);
    p4 = f32x4.mul(p4, m);
    q4 = f32x4.add(q4, c);
    p5 = f32x4.mul(p5, m);
    q5 = f32x4.add(q5, c);
  }
  let s = f32x4.add(p0, q0);
  s = f32x4.add(s, f32x4.add(p1, q1));
  s = f32x4.add(s, f32x4.add(p2, q2));
  s = f32x4.add(s, f32x4.add(p3, q3));
  s = f32x4.add(s, f32x4.add(p4, q4));
  s = f32x4.add(s, f32x4.add(p5, q5));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/** simdPeakProbe on a worker thread: the result goes to `out` (parallel jobs return nothing). */
export function simdPeakRange(iters: i32, out: usize): void {
  store<f32>(out, simdPeakProbe(iters, <f32>out));
}

// ---------------------------------------------------------------------------------------------
// Forward: Y[pt × Co] = Xcol_tile · W with the same 4×8 micro-kernel (gemmAB, inner dim K).
// Panels: A = im2col tile packed as [ptp/4][K][4]; B = W packed once as [Cop/8][K][8].
// ---------------------------------------------------------------------------------------------

/** Pack W [K × Co] (row-major) into [Cop/8][K][8] column panels (columns past Co are zero). */
export function packFilterCols8(w: usize, b: usize, kTotal: i32, co: i32): void {
  const cop = (co + 7) & ~7;
  memory.fill(b, 0, (<usize>kTotal * <usize>cop) << 2);
  for (let k = 0; k < kTotal; k++) {
    const row = w + ((<usize>k * <usize>co) << 2);
    for (let j = 0; j < co; j++) {
      store<f32>(
        b + ((<usize>(j >> 3) * <usize>kTotal + <usize>k) << 5) + ((<usize>(j & 7)) << 2),
        load<f32>(row + ((<usize>j) << 2)),
      );
    }
  }
}

/** im2col of `pt` pixels from p0 into [ptp/4][K][4] panels (pixel rows past pt are zero). */
export function packIm2colT4(
  x: usize,
  a: usize,
  p0: i32,
  pt: i32,
  inH: i32,
  inW: i32,
  ci: i32,
  outH: i32,
  outW: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const kTotal = kh * kw * ci;
  const ptp = (pt + 3) & ~3;
  const panelBytes = (<usize>kTotal) << 4;
  if (ptp !== pt) memory.fill(a + <usize>((ptp - 4) >> 2) * panelBytes, 0, panelBytes);
  const hw = outH * outW;
  for (let i = 0; i < pt; i++) {
    const p = p0 + i;
    const n = p / hw;
    const rem = p - n * hw;
    const oh = rem / outW;
    const ow = rem - oh * outW;
    const out = a + <usize>(i >> 2) * panelBytes + ((<usize>(i & 3)) << 2);
    for (let r = 0; r < kh; r++) {
      const ih = oh * sh - padTop + r;
      const rowValid = ih >= 0 && ih < inH;
      for (let s = 0; s < kw; s++) {
        const iw = ow * sw - padLeft + s;
        const dst = out + ((<usize>((r * kw + s) * ci)) << 4);
        if (rowValid && iw >= 0 && iw < inW) {
          const src = x + ((<usize>((n * inH + ih) * inW + iw) * <usize>ci) << 2);
          for (let c = 0; c < ci; c++) store<f32>(dst + ((<usize>c) << 4), load<f32>(src + ((<usize>c) << 2)));
        } else {
          for (let c = 0; c < ci; c++) store<f32>(dst + ((<usize>c) << 4), 0);
        }
      }
    }
  }
}

/** Forward conv over pixels [p0, p1) in tiles of `pt`: y[p, :] = im2col(x)[p, :] · W. */
export function convForwardRange(
  x: usize,
  wb: usize,
  a: usize,
  c: usize,
  y: usize,
  p0: i32,
  p1: i32,
  pt: i32,
  inH: i32,
  inW: i32,
  ci: i32,
  outH: i32,
  outW: i32,
  co: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const kTotal = kh * kw * ci;
  const cop = (co + 7) & ~7;
  for (let p = p0; p < p1; p += pt) {
    const n = min(pt, p1 - p);
    packIm2colT4(x, a, p, n, inH, inW, ci, outH, outW, kh, kw, sh, sw, padTop, padLeft);
    gemmAB(a, wb, c, (n + 3) & ~3, cop, kTotal);
    unpad(c, y + ((<usize>p * <usize>co) << 2), n, co, cop);
  }
}

// ---------------------------------------------------------------------------------------------
// Matrix multiply (tfjs BatchMatMul) on the same micro-kernel: strided packs cover the transposes.
// ---------------------------------------------------------------------------------------------

/** A[i][k] = src[i·rs + k·cs] packed as [ceil(rows/4)][inner][4] (rows past `rows` zero). */
export function packRowsT4Strided(src: usize, a: usize, rows: i32, inner: i32, rs: i32, cs: i32): void {
  const rp = (rows + 3) & ~3;
  const panelBytes = (<usize>inner) << 4;
  if (rp !== rows) memory.fill(a + <usize>((rp - 4) >> 2) * panelBytes, 0, panelBytes);
  for (let i = 0; i < rows; i++) {
    const out = a + <usize>(i >> 2) * panelBytes + ((<usize>(i & 3)) << 2);
    const row = src + ((<usize>i * <usize>rs) << 2);
    for (let k = 0; k < inner; k++) {
      store<f32>(out + ((<usize>k) << 4), load<f32>(row + ((<usize>k * <usize>cs) << 2)));
    }
  }
}

/** B[k][j] = src[k·rs + j·cs] packed as [ceil(cols/8)][inner][8] (columns past `cols` zero). */
export function packCols8Strided(src: usize, b: usize, inner: i32, cols: i32, rs: i32, cs: i32): void {
  const cp = (cols + 7) & ~7;
  if (cp !== cols) memory.fill(b, 0, (<usize>cp * <usize>inner) << 2);
  for (let k = 0; k < inner; k++) {
    const row = src + ((<usize>k * <usize>rs) << 2);
    for (let j = 0; j < cols; j++) {
      store<f32>(
        b + ((<usize>(j >> 3) * <usize>inner + <usize>k) << 5) + ((<usize>(j & 7)) << 2),
        load<f32>(row + ((<usize>j * <usize>cs) << 2)),
      );
    }
  }
}
