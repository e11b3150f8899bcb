import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SURROGATE_ALPHA,
  SURROGATE_NAMES,
  type SurrogateName,
  spike,
  stopGradient,
  surrogate,
} from './surrogate.js';
import { expectClose } from './test-setup.js';

const sigma = (z: number) => 1 / (1 + Math.exp(-z));
// The formulas of specs/neurons.md, written independently of the implementation.
const formula: Record<SurrogateName, (x: number, a: number) => number> = {
  atan: (x, a) => a / 2 / (1 + ((Math.PI / 2) * a * x) ** 2),
  sigmoid: (x, a) => a * sigma(a * x) * (1 - sigma(a * x)),
  piecewiseQuadratic: (x, a) => (Math.abs(x) <= 1 / a ? -a * a * Math.abs(x) + a : 0),
  piecewiseExp: (x, a) => (a / 2) * Math.exp(-a * Math.abs(x)),
  softSign: (x, a) => 1 / (2 * a * (1 / a + Math.abs(x)) ** 2),
  superSpike: (x, a) => a / (1 + Math.abs(x)) ** 2,
  erf: (x, a) => (a / Math.sqrt(Math.PI)) * Math.exp(-((a * x) ** 2)),
  rect: (x, a) => (Math.abs(x) < 0.5 / a ? a : 0),
};

const xs = [-2, -0.9, -0.3, -0.1, 0, 0.05, 0.2, 0.49, 0.7, 1.5];

describe('surrogate spike functions', () => {
  it('covers every surrogate of the spec', () => {
    expect(new Set(SURROGATE_NAMES)).toEqual(new Set(Object.keys(formula)));
  });

  for (const name of SURROGATE_NAMES) {
    for (const alpha of [DEFAULT_SURROGATE_ALPHA[name], 3]) {
      it(`${name}(α=${alpha}): forward is Θ(x ≥ 0), backward is dy·g′(x)`, () => {
        const sg = surrogate(name, alpha);
        const x = tf.tensor1d(xs);
        const dy = tf.tensor1d(xs.map((_, i) => 0.5 + i * 0.1));
        expect(Array.from(spike(x, sg).dataSync())).toEqual(xs.map((v) => (v >= 0 ? 1 : 0)));
        const g = tf.grad((t: tf.Tensor) => spike(t, sg))(x, dy);
        const dyv = dy.dataSync();
        expectClose(
          g.dataSync(),
          xs.map((v, i) => dyv[i] * formula[name](v, alpha)),
        );
      });
    }
  }

  it('defaults alpha to SpikingJelly defaults and rejects bad input', () => {
    expect(surrogate('sigmoid').alpha).toBe(4);
    expect(surrogate('atan').alpha).toBe(2);
    expect(() => surrogate('nope' as SurrogateName)).toThrow(/unknown surrogate "nope"/);
    expect(() => surrogate('atan', -1)).toThrow(/alpha must be a positive number/);
  });

  it('stopGradient passes values and blocks gradients', () => {
    const x = tf.tensor1d([1, -2, 3]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, -2, 3]);
    const g = tf.grad((t: tf.Tensor) => tf.add(tf.mul(stopGradient(t), t), t))(x);
    // d/dt (sg(t)·t + t) = sg(t) + 1
    expectClose(g.dataSync(), [2, -1, 4]);
  });
});

describe('scalar surrogate derivatives (the fused loops use them)', () => {
  for (const name of SURROGATE_NAMES) {
    it(`${name}: derivativeAt equals the tensor derivative`, () => {
      const sg = surrogate(name, 1.7);
      const xs = Array.from({ length: 81 }, (_, i) => (i - 40) / 16);
      const tensor = sg.derivative(tf.tensor1d(xs)).dataSync();
      for (const [i, x] of xs.entries()) expect(sg.derivativeAt!(x)).toBeCloseTo(tensor[i], 5);
    });
  }
});
