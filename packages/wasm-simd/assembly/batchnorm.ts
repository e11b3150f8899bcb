// Training-mode batch normalisation over the last axis of x viewed as [rows, C] (NHWC channels):
// per-channel reductions over a row range (each thread writes its own f64 partials, summed by the
// caller) and element-wise passes over a row range. Sums run in f32 over blocks of BLOCK rows and in
// f64 across blocks, so a 65,536-row channel keeps the accuracy of tfjs' (float64-accumulating) cpu
// backend.

const BLOCK = 32;

/** Adds four f32 lanes to four f64 accumulators at acc (8-byte slots). */
@inline
function addTo64(acc: usize, v: v128): void {
  v128.store(acc, f64x2.add(v128.load(acc), f64x2.promote_low_f32x4(v)));
  const hi = v128.shuffle<f32>(v, v, 2, 3, 0, 1);
  v128.store(acc + 16, f64x2.add(v128.load(acc + 16), f64x2.promote_low_f32x4(hi)));
}

/**
 * out[c] (f64, C slots, zeroed here) = Σ over rows [r0, r1) of (x[r, c] − mean[c])^p for p = 1
 * (mean = 0 pointer: plain sums) or p = 2 (squared deviations from mean).
 */
export function bnReduceRange(x: usize, mean: usize, out: usize, r0: i32, r1: i32, C: i32, squared: bool): void {
  memory.fill(out, 0, (<usize>C) << 3);
  const rowBytes = (<usize>C) << 2;
  const c4 = C & ~3;
  for (let b0 = r0; b0 < r1; b0 += BLOCK) {
    const b1 = min(r1, b0 + BLOCK);
    for (let c = 0; c < c4; c += 4) {
      const m = squared ? v128.load(mean + ((<usize>c) << 2)) : f32x4.splat(0);
      let acc = f32x4.splat(0);
      let p = x + <usize>b0 * rowBytes + ((<usize>c) << 2);
      for (let r = b0; r < b1; r++) {
        const d = f32x4.sub(v128.load(p), m);
        acc = f32x4.add(acc, squared ? f32x4.mul(d, d) : d);
        p += rowBytes;
      }
      addTo64(out + ((<usize>c) << 3), acc);
    }
    for (let c = c4; c < C; c++) {
      const m = squared ? load<f32>(mean + ((<usize>c) << 2)) : <f32>0;
      let acc: f32 = 0;
      let p = x + <usize>b0 * rowBytes + ((<usize>c) << 2);
      for (let r = b0; r < b1; r++) {
        const d = load<f32>(p) - m;
        acc += squared ? d * d : d;
        p += rowBytes;
      }
      const o = out + ((<usize>c) << 3);
      store<f64>(o, load<f64>(o) + <f64>acc);
    }
  }
}

/**
 * dBeta[c] = Σ dy, dGamma[c] = Σ dy·x̂ over rows [r0, r1) (f64 partials, C slots each, zeroed here).
 */
export function bnGradSumsRange(dy: usize, xhat: usize, dBeta: usize, dGamma: usize, r0: i32, r1: i32, C: i32): void {
  memory.fill(dBeta, 0, (<usize>C) << 3);
  memory.fill(dGamma, 0, (<usize>C) << 3);
  const rowBytes = (<usize>C) << 2;
  const c4 = C & ~3;
  for (let b0 = r0; b0 < r1; b0 += BLOCK) {
    const b1 = min(r1, b0 + BLOCK);
    for (let c = 0; c < c4; c += 4) {
      let sb = f32x4.splat(0);
      let sg = f32x4.splat(0);
      const start = <usize>b0 * rowBytes + ((<usize>c) << 2);
      let pd = dy + start;
      let px = xhat + start;
      for (let r = b0; r < b1; r++) {
        const d = v128.load(pd);
        sb = f32x4.add(sb, d);
        sg = f32x4.add(sg, f32x4.mul(d, v128.load(px)));
        pd += rowBytes;
        px += rowBytes;
      }
      addTo64(dBeta + ((<usize>c) << 3), sb);
      addTo64(dGamma + ((<usize>c) << 3), sg);
    }
    for (let c = c4; c < C; c++) {
      let sb: f32 = 0;
      let sg: f32 = 0;
      const start = <usize>b0 * rowBytes + ((<usize>c) << 2);
      let pd = dy + start;
      let px = xhat + start;
      for (let r = b0; r < b1; r++) {
        const d = load<f32>(pd);
        sb += d;
        sg += d * load<f32>(px);
        pd += rowBytes;
        px += rowBytes;
      }
      const ob = dBeta + ((<usize>c) << 3);
      const og = dGamma + ((<usize>c) << 3);
      store<f64>(ob, load<f64>(ob) + <f64>sb);
      store<f64>(og, load<f64>(og) + <f64>sg);
    }
  }
}

/**
 * Element-wise over rows [r0, r1), per channel c (params are [C] f32 arrays):
 * forward (mode 0): x̂ = (x − a)·b, y = x̂·g + h, writing out1 = x̂ and out2 = y;
 * backward (mode 1, x = dy, x2 = x̂): dx = ((dy − a) − x̂·b)·g, writing out1 = dx.
 * Same operation order as @synaptogen/nn's op-by-op batchNormTrain.
 */
export function bnApplyRange(
  x: usize,
  x2: usize,
  out1: usize,
  out2: usize,
  a: usize,
  b: usize,
  g: usize,
  h: usize,
  r0: i32,
  r1: i32,
  C: i32,
  mode: i32,
): void {
  const rowBytes = (<usize>C) << 2;
  const c4 = C & ~3;
  for (let r = r0; r < r1; r++) {
    const row = <usize>r * rowBytes;
    for (let c = 0; c < c4; c += 4) {
      const o = (<usize>c) << 2;
      const v = v128.load(x + row + o);
      if (mode === 0) {
        const xh = f32x4.mul(f32x4.sub(v, v128.load(a + o)), v128.load(b + o));
        v128.store(out1 + row + o, xh);
        v128.store(out2 + row + o, f32x4.add(f32x4.mul(xh, v128.load(g + o)), v128.load(h + o)));
      } else {
        const centred = f32x4.sub(f32x4.sub(v, v128.load(a + o)), f32x4.mul(v128.load(x2 + row + o), v128.load(b + o)));
        v128.store(out1 + row + o, f32x4.mul(centred, v128.load(g + o)));
      }
    }
    for (let c = c4; c < C; c++) {
      const o = (<usize>c) << 2;
      const v = load<f32>(x + row + o);
      if (mode === 0) {
        const xh = (v - load<f32>(a + o)) * load<f32>(b + o);
        store<f32>(out1 + row + o, xh);
        store<f32>(out2 + row + o, xh * load<f32>(g + o) + load<f32>(h + o));
      } else {
        const centred = v - load<f32>(a + o) - load<f32>(x2 + row + o) * load<f32>(b + o);
        store<f32>(out1 + row + o, centred * load<f32>(g + o));
      }
    }
  }
}
