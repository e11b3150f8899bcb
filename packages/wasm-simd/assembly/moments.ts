// Adam's moment update and step, shared by adam.ts and gradr.ts (float32 operations in the order of
// the element-wise tfjs ops, which the bit-identity tests rely on). Not re-exported by index.ts.

/**
 * Adam on four elements with gradient gi: m' = β1·m + (1−β1)·g and v' = β2·v + (1−β2)·g² stored at
 * mo and vo, returns the step stepSize · m' / (√v' / sqrtBc2 + ε).
 */
@inline
export function momentStep4(
  gi: v128,
  m: usize,
  v: usize,
  mo: usize,
  vo: usize,
  b1: v128,
  c1: v128,
  b2: v128,
  c2: v128,
  e: v128,
  s: v128,
  q: v128,
): v128 {
  const mi = f32x4.add(f32x4.mul(v128.load(m), b1), f32x4.mul(gi, c1));
  const vi = f32x4.add(f32x4.mul(v128.load(v), b2), f32x4.mul(f32x4.mul(gi, gi), c2));
  v128.store(mo, mi);
  v128.store(vo, vi);
  return f32x4.mul(f32x4.div(mi, f32x4.add(f32x4.div(f32x4.sqrt(vi), q), e)), s);
}

/** momentStep4 for one element (the tails). */
@inline
export function momentStep1(
  gi: f32,
  m: usize,
  v: usize,
  mo: usize,
  vo: usize,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  eps: f32,
  stepSize: f32,
  sqrtBc2: f32,
): f32 {
  const mi = load<f32>(m) * beta1 + gi * oneMinusBeta1;
  const vi = load<f32>(v) * beta2 + gi * gi * oneMinusBeta2;
  store<f32>(mo, mi);
  store<f32>(vo, vi);
  return (mi / (Mathf.sqrt(vi) / sqrtBc2 + eps)) * stepSize;
}
