import { momentStep1, momentStep4 } from './moments';

// Fused Grad R step (see src/gradr.ts): the Adam moments on θ with gradient s·g, the Laplace prior,
// w = s·ReLU(θ) and the pruned/regrown counts in one pass. float32 operations in the same order as
// the element-wise tfjs ops of @synaptogen/structure's GradR, so the results are bit-identical.
// m', v', θ' go to mo, vo, tho (which may alias m, v, th: each element is read before it is written);
// w is written; counts[0..1] (i32) get this range's pruned/regrown.

export function gradrRange(
  g: usize,
  s: usize,
  m: usize,
  v: usize,
  th: usize,
  mo: usize,
  vo: usize,
  tho: usize,
  w: usize,
  counts: usize,
  i0: i32,
  i1: i32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  eps: f32,
  stepSize: f32,
  sqrtBc2: f32,
  prior: f32,
  mu: f32,
): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(oneMinusBeta2);
  const e = f32x4.splat(eps);
  const st = f32x4.splat(stepSize);
  const q = f32x4.splat(sqrtBc2);
  const pr = f32x4.splat(prior);
  const mus = f32x4.splat(mu);
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const minusOne = f32x4.splat(-1);
  // per lane: −1 where the condition holds, so subtracting counts up
  let prunedV = i32x4.splat(0);
  let regrownV = i32x4.splat(0);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = (<usize>i) << 2;
    const si = v128.load(s + o);
    const gi = f32x4.mul(si, v128.load(g + o));
    const d = momentStep4(gi, m + o, v + o, mo + o, vo + o, b1, c1, b2, c2, e, st, q);
    const t = v128.load(th + o);
    const diff = f32x4.sub(t, mus);
    // tf.sign: 1, −1 or 0 (and NaN stays NaN through the multiply below, as in tfjs)
    const sgn = v128.bitselect(one, v128.bitselect(minusOne, zero, f32x4.lt(diff, zero)), f32x4.gt(diff, zero));
    const next = f32x4.sub(f32x4.sub(t, d), f32x4.mul(sgn, pr));
    v128.store(tho + o, next);
    // tf.relu then s·: max(next, 0) with relu's NaN passing through
    const relu = v128.bitselect(zero, next, f32x4.lt(next, zero));
    v128.store(w + o, f32x4.mul(si, relu));
    const before = f32x4.gt(t, zero);
    const after = f32x4.gt(next, zero);
    prunedV = i32x4.add(prunedV, v128.andnot(before, after));
    regrownV = i32x4.add(regrownV, v128.andnot(after, before));
  }
  let pruned: i32 =
    -(i32x4.extract_lane(prunedV, 0) +
      i32x4.extract_lane(prunedV, 1) +
      i32x4.extract_lane(prunedV, 2) +
      i32x4.extract_lane(prunedV, 3));
  let regrown: i32 =
    -(i32x4.extract_lane(regrownV, 0) +
      i32x4.extract_lane(regrownV, 1) +
      i32x4.extract_lane(regrownV, 2) +
      i32x4.extract_lane(regrownV, 3));
  for (; i < i1; i++) {
    const o = (<usize>i) << 2;
    const si = load<f32>(s + o);
    const gi = si * load<f32>(g + o);
    const d = momentStep1(gi, m + o, v + o, mo + o, vo + o, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, stepSize, sqrtBc2);
    const t = load<f32>(th + o);
    const diff = t - mu;
    const sgn: f32 = diff > 0 ? 1 : diff < 0 ? -1 : 0;
    const next = t - d - sgn * prior;
    store<f32>(tho + o, next);
    store<f32>(w + o, si * (next < 0 ? 0 : next));
    if (t > 0 && !(next > 0)) pruned++;
    if (next > 0 && !(t > 0)) regrown++;
  }
  store<i32>(counts, pruned);
  store<i32>(counts + 4, regrown);
}
