// Max-pool gradient that routes each window's gradient to its FIRST maximum in row-major order
// (PyTorch's and the tfjs cpu backend's choice; tfjs-backend-wasm's MaxPoolGrad takes the last).
// NHWC, square windows of size k with stride s, no padding ('valid').

/** dx [n, h, w, c] = 0, then dx[first argmax of window] += dy[n, oh, ow, c] for images [n0, n1). */
export function maxPoolGradFirstRange(
  x: usize,
  dy: usize,
  dx: usize,
  n0: i32,
  n1: i32,
  h: i32,
  w: i32,
  c: i32,
  oh: i32,
  ow: i32,
  k: i32,
  s: i32,
): void {
  const imageBytes = (<usize>h * <usize>w * <usize>c) << 2;
  const rowBytes = (<usize>w * <usize>c) << 2;
  const pixBytes = (<usize>c) << 2;
  if (k === s && (c & 3) === 0) {
    // windows tile the input: each position is written once, no zero fill but for cropped edges
    if (oh * k !== h || ow * k !== w) memory.fill(dx + <usize>n0 * imageBytes, 0, <usize>(n1 - n0) * imageBytes);
    tiledFirstMax(x, dy, dx, n0, n1, c, oh, ow, k, imageBytes, rowBytes, pixBytes);
    return;
  }
  memory.fill(dx + <usize>n0 * imageBytes, 0, <usize>(n1 - n0) * imageBytes);
  for (let n = n0; n < n1; n++) {
    const xi = x + <usize>n * imageBytes;
    const di = dx + <usize>n * imageBytes;
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const g = dy + ((<usize>(((n * oh + i) * ow + j) * c)) << 2);
        const corner = <usize>(i * s) * rowBytes + <usize>(j * s) * pixBytes;
        for (let ch = 0; ch < c; ch++) {
          const chOff = (<usize>ch) << 2;
          // as tfjs' cpu maxPoolPositions: start below everything, strict '>' (ties keep the first;
          // a window of only NaN / −∞ routes nowhere)
          let best: f32 = -Infinity;
          let at: isize = -1;
          for (let r = 0; r < k; r++) {
            for (let q = 0; q < k; q++) {
              const off = corner + <usize>r * rowBytes + <usize>q * pixBytes;
              const v = load<f32>(xi + off + chOff);
              if (v > best) {
                best = v;
                at = <isize>off;
              }
            }
          }
          if (at < 0) continue;
          const d = di + <usize>at + chOff;
          store<f32>(d, load<f32>(d) + load<f32>(g + chOff));
        }
      }
    }
  }
}

/**
 * The k = s case, four channels at a time: a running maximum with strict '>' (ties keep the first,
 * as the scalar loop) and the window position it came from (−1: none, for NaN / −∞ windows); then
 * dy goes to that position and zeros to the others.
 */
function tiledFirstMax(
  x: usize,
  dy: usize,
  dx: usize,
  n0: i32,
  n1: i32,
  c: i32,
  oh: i32,
  ow: i32,
  k: i32,
  imageBytes: usize,
  rowBytes: usize,
  pixBytes: usize,
): void {
  const zero = f32x4.splat(0);
  for (let n = n0; n < n1; n++) {
    const xi = x + <usize>n * imageBytes;
    const di = dx + <usize>n * imageBytes;
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const g = dy + ((<usize>(((n * oh + i) * ow + j) * c)) << 2);
        const corner = <usize>(i * k) * rowBytes + <usize>(j * k) * pixBytes;
        for (let ch = 0; ch < c; ch += 4) {
          const chOff = (<usize>ch) << 2;
          let best = f32x4.splat(-Infinity);
          let at = i32x4.splat(-1);
          for (let r = 0; r < k; r++) {
            for (let q = 0; q < k; q++) {
              const v = v128.load(xi + corner + <usize>r * rowBytes + <usize>q * pixBytes + chOff);
              const gt = f32x4.gt(v, best);
              best = v128.bitselect(v, best, gt);
              at = v128.bitselect(i32x4.splat(r * k + q), at, gt);
            }
          }
          const gv = v128.load(g + chOff);
          for (let r = 0; r < k; r++) {
            for (let q = 0; q < k; q++) {
              const hit = i32x4.eq(at, i32x4.splat(r * k + q));
              v128.store(di + corner + <usize>r * rowBytes + <usize>q * pixBytes + chOff, v128.bitselect(gv, zero, hit));
            }
          }
        }
      }
    }
  }
}
