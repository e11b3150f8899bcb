// The probe of the machine's SIMD peak (src/peak.ts), the yardstick the kernels' GFLOP/s are read against.

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
