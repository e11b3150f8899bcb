import { momentStep1, momentStep4 } from './moments';

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
    const d = momentStep4(v128.load(g + o), m + o, v + o, mo + o, vo + o, b1, c1, b2, c2, e, s, q);
    v128.store(r + o, update ? f32x4.sub(v128.load(p + o), d) : d);
  }
  for (; i < i1; i++) {
    const o = (<usize>i) << 2;
    const g1 = load<f32>(g + o);
    const d = momentStep1(g1, m + o, v + o, mo + o, vo + o, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, stepSize, sqrtBc2);
    store<f32>(r + o, update ? load<f32>(p + o) - d : d);
  }
}

