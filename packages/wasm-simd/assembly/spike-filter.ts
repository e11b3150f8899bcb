import { claim } from './schedule';

// Conv2DBackpropFilter for binary spike inputs, channel-major: per image, the spikes of each input
// channel become a list of pixels; then dW[tap, ci, co..co+32) = Σ over that list of dy at the
// output pixel the tap maps it to, summed in 8 registers and stored once. The pixel-major kernel in
// spikes.ts read-modify-writes a dW row per event instead, which costs more than the dense GEMM above
// ~25% ones; max-pooled spikes run at ~40%. Stride 1 only; co a multiple of 32 (the caller checks).

/**
 * Images [0, end) in blocks of `perBlock`, claimed whole by the threads: block k adds the gradient of
 * its images, in order, into its own [kh, kw, ci, co] partial at dw + k·kh·kw·ci·co (zeroed by the
 * caller, who adds the blocks in order), so the sum does not depend on which thread ran which block.
 * x: binary [N, inH, inW, ci]; dyp: dy zero-padded to [N, hp, wp, co] so that every tap of every
 * input pixel lands inside (no bounds tests in the event loop): input pixel (ih, iw) under tap
 * (r, s) reads dyp[n, ih + top − r, iw + left − s] (top, left: padding plus the margins).
 * lists: scratch of ci·(inH·inW + 1) i32.
 */
export function spikeFilterChannelsRange(
  x: usize,
  dyp: usize,
  dw: usize,
  lists: usize,
  counter: usize,
  end: i32,
  perBlock: i32,
  inH: i32,
  inW: i32,
  hp: i32,
  wp: i32,
  co: i32,
  kh: i32,
  kw: i32,
  top: i32,
  left: i32,
  ci: i32,
): void {
  const hwIn = inH * inW;
  const cap = <usize>(hwIn + 1); // per channel: count, then up to hwIn byte offsets into the image
  const pixBytes = co << 2;
  const imageBytes = (<usize>hp * <usize>wp * <usize>co) << 2;
  const partialBytes = (<usize>kh * <usize>kw * <usize>ci * <usize>co) << 2;
  const blocks = (end + perBlock - 1) / perBlock;
  // one block per claim (schedule.ts); the counter starts at block 0
  for (let blk = claim(counter, 1); blk < blocks; blk = claim(counter, 1)) {
    const dwk = dw + <usize>blk * partialBytes;
    const last = min(end, (blk + 1) * perBlock);
    for (let n = blk * perBlock; n < last; n++) {
      // 1. channel-major event lists of image n (branch-free: always store, advance when 1), each
      //    entry the byte offset of the pixel's tap-(0, 0) dy row
      for (let c = 0; c < ci; c++) store<i32>(lists + ((<usize>c * cap) << 2), 0);
      const xi = x + ((<usize>n * <usize>hwIn * <usize>ci) << 2);
      for (let ih = 0; ih < inH; ih++) {
        for (let iw = 0; iw < inW; iw++) {
          const px = xi + ((<usize>(ih * inW + iw) * <usize>ci) << 2);
          const at = ((ih + top) * wp + iw + left) * pixBytes;
          for (let c = 0; c < ci; c++) {
            const list = lists + ((<usize>c * cap) << 2);
            const k = load<i32>(list);
            store<i32>(list + ((<usize>(k + 1)) << 2), at);
            store<i32>(list, k + <i32>(load<f32>(px + ((<usize>c) << 2)) != 0));
          }
        }
      }
      // 2. per tap and channel, sum the dy rows its spikes reach, 32 output channels at a time
      const g = dyp + <usize>n * imageBytes;
      for (let r = 0; r < kh; r++) {
        for (let s = 0; s < kw; s++) {
          const tapImage = g - <usize>((r * wp + s) * pixBytes);
          for (let c = 0; c < ci; c++) {
            const list = lists + ((<usize>c * cap) << 2);
            const end = list + ((<usize>load<i32>(list)) << 2);
            if (end === list) continue;
            const row = dwk + ((<usize>((r * kw + s) * ci + c) * <usize>co) << 2);
            for (let c0 = 0; c0 < co; c0 += 32) {
              const base = tapImage + ((<usize>c0) << 2);
              let a0 = f32x4.splat(0);
              let a1 = f32x4.splat(0);
              let a2 = f32x4.splat(0);
              let a3 = f32x4.splat(0);
              let a4 = f32x4.splat(0);
              let a5 = f32x4.splat(0);
              let a6 = f32x4.splat(0);
              let a7 = f32x4.splat(0);
              for (let e = list + 4; e <= end; e += 4) {
                const d = base + <usize>load<i32>(e);
                a0 = f32x4.add(a0, v128.load(d));
                a1 = f32x4.add(a1, v128.load(d, 16));
                a2 = f32x4.add(a2, v128.load(d, 32));
                a3 = f32x4.add(a3, v128.load(d, 48));
                a4 = f32x4.add(a4, v128.load(d, 64));
                a5 = f32x4.add(a5, v128.load(d, 80));
                a6 = f32x4.add(a6, v128.load(d, 96));
                a7 = f32x4.add(a7, v128.load(d, 112));
              }
              const o = row + ((<usize>c0) << 2);
              v128.store(o, f32x4.add(v128.load(o), a0));
              v128.store(o, f32x4.add(v128.load(o, 16), a1), 16);
              v128.store(o, f32x4.add(v128.load(o, 32), a2), 32);
              v128.store(o, f32x4.add(v128.load(o, 48), a3), 48);
              v128.store(o, f32x4.add(v128.load(o, 64), a4), 64);
              v128.store(o, f32x4.add(v128.load(o, 80), a5), 80);
              v128.store(o, f32x4.add(v128.load(o, 96), a6), 96);
              v128.store(o, f32x4.add(v128.load(o, 112), a7), 112);
            }
          }
        }
      }
    }
  }
}

/** Ones in x[0, n) (n a multiple of 4 or not), or −1 when a value is neither 0 nor 1. */
export function binaryCount(x: usize, n: i32): i32 {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  let ok = i32x4.splat(-1);
  let ones = i32x4.splat(0);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const v = v128.load(x + ((<usize>i) << 2));
    const isOne = f32x4.eq(v, one);
    ok = v128.and(ok, v128.or(isOne, f32x4.eq(v, zero)));
    ones = i32x4.sub(ones, isOne); // true lanes are −1
  }
  if (!i32x4.all_true(ok)) return -1;
  let count =
    i32x4.extract_lane(ones, 0) + i32x4.extract_lane(ones, 1) + i32x4.extract_lane(ones, 2) + i32x4.extract_lane(ones, 3);
  for (let i = n4; i < n; i++) {
    const v = load<f32>(x + ((<usize>i) << 2));
    if (v == 1) count++;
    else if (v != 0) return -1;
  }
  return count;
}
