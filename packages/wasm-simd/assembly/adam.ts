// Fused Adam step (see src/adam.ts): float32 operations in the same order as the element-wise
// tfjs ops, so the results are bit-identical. m' goes to mo, v' to vo, direction or p − d to r;
// any of them may alias an input (each element is read before it is written).

export function adamRange(
  g: usize,
  m: usize,
  v: usize,
  p: usize,
  mo: usize,
  vo: usize,
  r: usize,
  i0: i32,
  i1: i32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  eps: f32,
  stepSize: f32,
  sqrtBc2: f32,
  update: i32,
): void {
  const b1 = f32x4.splat(beta1);
  const c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const c2 = f32x4.splat(oneMinusBeta2);
  const e = f32x4.splat(eps);
  const s = f32x4.splat(stepSize);
  const q = f32x4.splat(sqrtBc2);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = (<usize>i) << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gi, c1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gi, gi), c2));
    v128.store(mo + o, mi);
    v128.store(vo + o, vi);
    const d = f32x4.mul(f32x4.div(mi, f32x4.add(f32x4.div(f32x4.sqrt(vi), q), e)), s);
    v128.store(r + o, update ? f32x4.sub(v128.load(p + o), d) : d);
  }
  for (; i < i1; i++) {
    const o = (<usize>i) << 2;
    const gi = load<f32>(g + o);
    const mi = load<f32>(m + o) * beta1 + gi * oneMinusBeta1;
    const vi = load<f32>(v + o) * beta2 + gi * gi * oneMinusBeta2;
    store<f32>(mo + o, mi);
    store<f32>(vo + o, vi);
    const d = (mi / (Mathf.sqrt(vi) / sqrtBc2 + eps)) * stepSize;
    store<f32>(r + o, update ? load<f32>(p + o) - d : d);
  }
}
