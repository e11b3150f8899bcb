import { gemmAB, gemmAtB } from './gemm';
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
