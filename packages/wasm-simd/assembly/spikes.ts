import { compactShuffle } from './compact';
import { claim } from './schedule';

// Spike-aware (event-driven) conv kernels for binary inputs: a spike x = 1 adds a filter row, x = 0
// costs nothing. NHWC, filter [kh, kw, ci, co] with co a multiple of 4 (the caller checks).

/**
 * Event lists of a binary [rows × cols] matrix: offs[r]..offs[r+1] index `ev`, which holds
 * c·rowBytes (the byte offset of filter row c). Returns the event count, or −1 if a value is
 * neither 0 nor 1 (then the caller uses the dense kernels). Branch-free on the data, as csrBuild
 * (matmul.ts): each group of 4 is compacted by its nonzero mask with one shuffle and stored whole,
 * so `ev` needs 3 slots of slack past the count; 16 zeros in a row cost one test. (The scalar loop
 * it replaces mispredicted on every other element at 25–40% ones.)
 */
export function buildEvents(x: usize, rows: i32, cols: i32, rowBytes: i32, offs: usize, ev: usize): i32 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const first = i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(rowBytes));
  const step = i32x4.splat(4 * rowBytes);
  const step16 = i32x4.splat(16 * rowBytes);
  let count = 0;
  let bad = i32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    store<i32>(offs + ((<usize>r) << 2), count);
    const row = x + ((<usize>r * <usize>cols) << 2);
    let idx = first;
    let c = 0;
    for (; c + 16 <= cols; c += 16) {
      const p = row + ((<usize>c) << 2);
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      const v2 = v128.load(p, 32);
      const v3 = v128.load(p, 48);
      const any = v128.or(v128.or(f32x4.ne(v0, zero), f32x4.ne(v1, zero)), v128.or(f32x4.ne(v2, zero), f32x4.ne(v3, zero)));
      if (!v128.any_true(any)) {
        idx = i32x4.add(idx, step16);
        continue;
      }
      for (let q = 0; q < 4; q++) {
        const v = v128.load(p + ((<usize>q) << 4));
        const nz = f32x4.ne(v, zero);
        bad = v128.or(bad, v128.and(nz, f32x4.ne(v, one)));
        const mask = i32x4.bitmask(nz);
        v128.store(ev + ((<usize>count) << 2), i8x16.swizzle(idx, compactShuffle(mask)));
        count += <i32>popcnt(mask);
        idx = i32x4.add(idx, step);
      }
    }
    for (; c + 4 <= cols; c += 4) {
      const v = v128.load(row + ((<usize>c) << 2));
      const nz = f32x4.ne(v, zero);
      bad = v128.or(bad, v128.and(nz, f32x4.ne(v, one)));
      const mask = i32x4.bitmask(nz);
      v128.store(ev + ((<usize>count) << 2), i8x16.swizzle(idx, compactShuffle(mask)));
      count += <i32>popcnt(mask);
      idx = i32x4.add(idx, step);
    }
    for (; c < cols; c++) {
      const v = load<f32>(row + ((<usize>c) << 2));
      if (v == 0) continue;
      if (v != 1) return -1;
      store<i32>(ev + ((<usize>count) << 2), c * rowBytes);
      count++;
    }
    if (v128.any_true(bad)) return -1;
  }
  store<i32>(offs + ((<usize>rows) << 2), count);
  return count;
}

/**
 * y[q, :] for output pixels [start, end), claimed `chunk` pixels at a time from `counter` (which
 * holds `start` when the threads begin; see schedule.ts): the sum of the filter rows of the events.
 */
export function spikeConvForwardRange(
  offs: usize,
  ev: usize,
  w: usize,
  y: usize,
  counter: usize,
  end: i32,
  chunk: i32,
  inH: i32,
  inW: i32,
  outH: i32,
  outW: i32,
  co: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
  ci: i32,
): void {
  const hw = outH * outW;
  const tapBytes = (<usize>ci * <usize>co) << 2;
  for (let q0 = claim(counter, chunk); q0 < end; q0 = claim(counter, chunk)) {
    const q1 = min(end, q0 + chunk);
    for (let q = q0; q < q1; q++) {
      const n = q / hw;
      const rem = q - n * hw;
      const oh = rem / outW;
      const ow = rem - oh * outW;
      const yRow = y + ((<usize>q * <usize>co) << 2);
      // 32 output channels (8 accumulators) at a time, then 4 at a time (16 accumulators measured
      // slower: V8 has 16 xmm registers).
      let c = 0;
      for (; c + 32 <= co; c += 32) {
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0);
        let a4 = f32x4.splat(0);
        let a5 = f32x4.splat(0);
        let a6 = f32x4.splat(0);
        let a7 = f32x4.splat(0);
        for (let r = 0; r < kh; r++) {
          const ih = oh * sh - padTop + r;
          if (ih < 0 || ih >= inH) continue;
          for (let s = 0; s < kw; s++) {
            const iw = ow * sw - padLeft + s;
            if (iw < 0 || iw >= inW) continue;
            const p = (n * inH + ih) * inW + iw;
            const base = w + <usize>(r * kw + s) * tapBytes + ((<usize>c) << 2);
            const e1 = ev + ((<usize>load<i32>(offs + ((<usize>(p + 1)) << 2))) << 2);
            for (let e = ev + ((<usize>load<i32>(offs + ((<usize>p) << 2))) << 2); e < e1; e += 4) {
              const row = base + <usize>load<i32>(e);
              a0 = f32x4.add(a0, v128.load(row));
              a1 = f32x4.add(a1, v128.load(row, 16));
              a2 = f32x4.add(a2, v128.load(row, 32));
              a3 = f32x4.add(a3, v128.load(row, 48));
              a4 = f32x4.add(a4, v128.load(row, 64));
              a5 = f32x4.add(a5, v128.load(row, 80));
              a6 = f32x4.add(a6, v128.load(row, 96));
              a7 = f32x4.add(a7, v128.load(row, 112));
            }
          }
        }
        const o = yRow + ((<usize>c) << 2);
        v128.store(o, a0);
        v128.store(o, a1, 16);
        v128.store(o, a2, 32);
        v128.store(o, a3, 48);
        v128.store(o, a4, 64);
        v128.store(o, a5, 80);
        v128.store(o, a6, 96);
        v128.store(o, a7, 112);
      }
      for (; c < co; c += 4) {
        let a0 = f32x4.splat(0);
        for (let r = 0; r < kh; r++) {
          const ih = oh * sh - padTop + r;
          if (ih < 0 || ih >= inH) continue;
          for (let s = 0; s < kw; s++) {
            const iw = ow * sw - padLeft + s;
            if (iw < 0 || iw >= inW) continue;
            const p = (n * inH + ih) * inW + iw;
            const base = w + <usize>(r * kw + s) * tapBytes + ((<usize>c) << 2);
            const e1 = ev + ((<usize>load<i32>(offs + ((<usize>(p + 1)) << 2))) << 2);
            for (let e = ev + ((<usize>load<i32>(offs + ((<usize>p) << 2))) << 2); e < e1; e += 4) {
              a0 = f32x4.add(a0, v128.load(base + <usize>load<i32>(e)));
            }
          }
        }
        v128.store(yRow + ((<usize>c) << 2), a0);
      }
    }
  }
}

/** dW[tap, ci, :] += dy[q, :] for every input event (ci at the pixel tap reads), q in [q0, q1). */
export function spikeConvFilterRange(
  offs: usize,
  ev: usize,
  dy: usize,
  dw: usize,
  q0: i32,
  q1: i32,
  inH: i32,
  inW: i32,
  outH: i32,
  outW: i32,
  co: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  padTop: i32,
  padLeft: i32,
  ci: i32,
): void {
  const hw = outH * outW;
  const tapBytes = (<usize>ci * <usize>co) << 2;
  for (let q = q0; q < q1; q++) {
    const n = q / hw;
    const rem = q - n * hw;
    const oh = rem / outW;
    const ow = rem - oh * outW;
    const g = dy + ((<usize>q * <usize>co) << 2);
    for (let r = 0; r < kh; r++) {
      const ih = oh * sh - padTop + r;
      if (ih < 0 || ih >= inH) continue;
      for (let s = 0; s < kw; s++) {
        const iw = ow * sw - padLeft + s;
        if (iw < 0 || iw >= inW) continue;
        const p = (n * inH + ih) * inW + iw;
        const base = dw + <usize>(r * kw + s) * tapBytes;
        const e1 = ev + ((<usize>load<i32>(offs + ((<usize>(p + 1)) << 2))) << 2);
        for (let e = ev + ((<usize>load<i32>(offs + ((<usize>p) << 2))) << 2); e < e1; e += 4) {
          const row = base + <usize>load<i32>(e);
          for (let c = 0; c < co; c += 4) {
            const o = (<usize>c) << 2;
            v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(g + o)));
          }
        }
      }
    }
  }
}
