import {
  DEFAULT_SURROGATE_ALPHA,
  type SurrogateName,
  SURROGATE_NAMES as TABLE_NAMES,
} from '@synaptogen/contracts';
import * as tf from '@tensorflow/tfjs-core';

/** Names of the surrogate spike functions (SpikingJelly's names in camelCase): the contract's table. */
export type { SurrogateName };

export interface Surrogate {
  readonly name: SurrogateName;
  readonly alpha: number;
  /** g′(x): the derivative used in place of the Heaviside step's in the backward pass. */
  derivative(x: tf.Tensor): tf.Tensor;
  /** g′ at one point, for loops outside tfjs (the fused neuron's fast path); optional for custom surrogates. */
  derivativeAt?(x: number): number;
}

/** SpikingJelly's default α per surrogate (the contract's table). */
export { DEFAULT_SURROGATE_ALPHA };

type Derivative = (x: tf.Tensor, alpha: number) => tf.Tensor;

const s = (v: number) => tf.scalar(v);

const DERIVATIVES: Record<SurrogateName, Derivative> = {
  // (α/2) / (1 + (π/2·α·x)²)
  atan: (x, a) => tf.div(s(a / 2), tf.add(s(1), tf.square(tf.mul(x, s((Math.PI / 2) * a))))),
  // α·σ(αx)·(1 − σ(αx))
  sigmoid: (x, a) => {
    const sg = tf.sigmoid(tf.mul(x, s(a)));
    return tf.mul(tf.mul(sg, tf.sub(s(1), sg)), s(a));
  },
  // −α²|x| + α for |x| ≤ 1/α, else 0
  piecewiseQuadratic: (x, a) => {
    const ax = tf.abs(x);
    return tf.mul(
      tf.relu(tf.sub(s(a), tf.mul(ax, s(a * a)))),
      tf.cast(tf.lessEqual(ax, s(1 / a)), 'float32'),
    );
  },
  // (α/2)·e^{−α|x|}
  piecewiseExp: (x, a) => tf.mul(tf.exp(tf.mul(tf.abs(x), s(-a))), s(a / 2)),
  // 1 / (2α(1/α + |x|)²)
  softSign: (x, a) => tf.div(s(1 / (2 * a)), tf.square(tf.add(tf.abs(x), s(1 / a)))),
  // α / (1 + |x|)²
  superSpike: (x, a) => tf.div(s(a), tf.square(tf.add(tf.abs(x), s(1)))),
  // (α/√π)·e^{−(αx)²}
  erf: (x, a) => tf.mul(tf.exp(tf.neg(tf.square(tf.mul(x, s(a))))), s(a / Math.sqrt(Math.PI))),
  // α where |x| < 0.5/α, else 0
  rect: (x, a) => tf.mul(tf.cast(tf.less(tf.abs(x), s(0.5 / a)), 'float32'), s(a)),
};

/** The same derivatives on numbers (float64; within float32 rounding of the tensor versions). */
const SCALAR_DERIVATIVES: Record<SurrogateName, (x: number, a: number) => number> = {
  atan: (x, a) => a / 2 / (1 + ((Math.PI / 2) * a * x) ** 2),
  sigmoid: (x, a) => {
    const sg = 1 / (1 + Math.exp(-a * x));
    return a * sg * (1 - sg);
  },
  piecewiseQuadratic: (x, a) => (Math.abs(x) <= 1 / a ? Math.max(a - a * a * Math.abs(x), 0) : 0),
  piecewiseExp: (x, a) => (a / 2) * Math.exp(-a * Math.abs(x)),
  softSign: (x, a) => 1 / (2 * a) / (Math.abs(x) + 1 / a) ** 2,
  superSpike: (x, a) => a / (Math.abs(x) + 1) ** 2,
  erf: (x, a) => (a / Math.sqrt(Math.PI)) * Math.exp(-((a * x) ** 2)),
  rect: (x, a) => (Math.abs(x) < 0.5 / a ? a : 0),
};

/** The surrogate names, in the contract's table order. */
export const SURROGATE_NAMES = [...TABLE_NAMES];

/** Builds a surrogate by name; alpha defaults to SpikingJelly's default for that surrogate. */
export function surrogate(name: SurrogateName, alpha?: number): Surrogate {
  const derivative = DERIVATIVES[name];
  if (!derivative) {
    throw new Error(`unknown surrogate "${name}"; expected one of: ${SURROGATE_NAMES.join(', ')}`);
  }
  const a = alpha ?? DEFAULT_SURROGATE_ALPHA[name];
  if (!(a > 0) || !Number.isFinite(a))
    throw new Error(`surrogate ${name}: alpha must be a positive number, got ${alpha}`);
  const scalar = SCALAR_DERIVATIVES[name];
  return { name, alpha: a, derivative: (x) => derivative(x, a), derivativeAt: (x) => scalar(x, a) };
}

const spikeCache = new WeakMap<Surrogate, (x: tf.Tensor) => tf.Tensor>();

/**
 * Heaviside spike with a surrogate gradient: forward Θ(x) (1 where x ≥ 0, as SpikingJelly),
 * backward dy·g′(x).
 */
export function spike(x: tf.Tensor, sg: Surrogate): tf.Tensor {
  let fn = spikeCache.get(sg);
  if (!fn) {
    fn = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
      save([xi]);
      return {
        value: tf.cast(tf.greaterEqual(xi, s(0)), 'float32'),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, sg.derivative(saved[0])),
      };
    }) as any) as (x: tf.Tensor) => tf.Tensor;
    spikeCache.set(sg, fn);
  }
  return fn(x);
}

/** Identity in the forward pass, zero gradient in the backward pass (tfjs-core has no stop-gradient op). */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad((input) => ({
  value: tf.clone(input as tf.Tensor),
  gradFunc: (dy) => tf.zerosLike(dy as tf.Tensor),
})) as (x: tf.Tensor) => tf.Tensor;
