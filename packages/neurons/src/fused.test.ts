import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type BaseNode, IFNode, LIFNode, type StepRecord } from './node.js';
import { type Surrogate, surrogate } from './surrogate.js';

/** A surrogate without a scalar form: the fused op falls back from plain loops to tfjs ops. */
const tensorOnly: Surrogate = { name: 'atan', alpha: 2, derivative: surrogate('atan', 2).derivative };

/** Deterministic inputs in [-1, 2.5): enough to fire, stay silent and fire again. */
function inputs(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    data[i] = (s / 2147483648) * 3.5 - 1;
  }
  return tf.tensor(data, shape);
}

/** Spikes, the input gradient of a weighted spike sum, and the membrane left after the call. */
function run(node: BaseNode, x: tf.Tensor, steps: number | null) {
  const T = steps ?? x.shape[0];
  const weights = inputs([T, ...(steps ? x.shape : x.shape.slice(1))], 99);
  const f = (a: tf.Tensor) => {
    node.resetState();
    const out = steps ? node.multiStepConstant(a, steps) : node.multiStep(a);
    return tf.sum(tf.mul(out, weights));
  };
  node.resetState();
  const spikes = Array.from((steps ? node.multiStepConstant(x, steps) : node.multiStep(x)).dataSync());
  const vLast = Array.from(node.v!.dataSync());
  const grad = Array.from(tf.grad(f)(x).dataSync());
  return { spikes, vLast, grad };
}

function closeArrays(a: number[], b: number[], tol = 1e-5) {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i])));
}

const CONFIGS = [
  { name: 'IF hard reset, detached', make: (fused: boolean) => new IFNode({ detachReset: true, fused }) },
  { name: 'IF soft reset', make: (fused: boolean) => new IFNode({ vReset: null, fused, surrogate: 'atan' }) },
  {
    name: 'LIF τ=2 hard reset 0.3, attached, threshold 0.8',
    make: (fused: boolean) => new LIFNode({ tau: 2, vReset: 0.3, vThreshold: 0.8, fused }),
  },
  {
    name: 'LIF τ=3 decayInput false, soft, piecewiseQuadratic',
    make: (fused: boolean) =>
      new LIFNode({ tau: 3, decayInput: false, vReset: null, surrogate: 'piecewiseQuadratic', fused }),
  },
  {
    name: 'LIF τ=1.5 hard reset −0.2, detached, erf',
    make: (fused: boolean) =>
      new LIFNode({ tau: 1.5, vReset: -0.2, detachReset: true, surrogate: 'erf', fused }),
  },
  {
    name: 'LIF τ=2 hard reset 0.3, attached, tensor-only surrogate (tfjs-op fused path)',
    make: (fused: boolean) =>
      new LIFNode({ tau: 2, vReset: 0.3, vThreshold: 0.8, surrogate: tensorOnly, fused }),
  },
  {
    name: 'IF soft reset, detached, tensor-only surrogate (tfjs-op fused path)',
    make: (fused: boolean) => new IFNode({ vReset: null, detachReset: true, surrogate: tensorOnly, fused }),
  },
];

describe('fused multi-step BPTT equals the step-by-step graph', () => {
  for (const c of CONFIGS) {
    it(`${c.name}: spikes, final membrane and input gradients (sequence and direct encoding)`, () => {
      const seq = inputs([6, 3, 4], 7);
      const ref = run(c.make(false), seq, null);
      const got = run(c.make(true), seq, null);
      expect(ref.spikes.some((s) => s === 1) && ref.spikes.some((s) => s === 0)).toBe(true);
      expect(got.spikes).toEqual(ref.spikes);
      closeArrays(got.vLast, ref.vLast);
      closeArrays(got.grad, ref.grad);
      expect(got.grad.some((g) => g !== 0)).toBe(true);

      const img = inputs([3, 4], 11);
      const refC = run(c.make(false), img, 5);
      const gotC = run(c.make(true), img, 5);
      expect(gotC.spikes).toEqual(refC.spikes);
      closeArrays(gotC.vLast, refC.vLast);
      closeArrays(gotC.grad, refC.grad);
    });
  }

  it('observers see the same S, V and H at every step', () => {
    const seq = inputs([4, 2, 3], 5);
    const records = (fused: boolean) => {
      const node = new LIFNode({ tau: 2, fused });
      const seen: number[][] = [];
      node.observe((r: StepRecord) => {
        seen.push([r.t, ...r.spike.dataSync(), ...r.v.dataSync(), ...r.h.dataSync()]);
      });
      tf.tidy(() => node.multiStep(seq));
      node.resetState();
      return seen;
    };
    const ref = records(false);
    const got = records(true);
    expect(got.length).toBe(4);
    for (let i = 0; i < ref.length; i++) closeArrays(got[i], ref[i]);
  });

  it('leaves no tensors behind in forward and backward', () => {
    const node = new IFNode({ detachReset: true });
    const x = inputs([5, 2, 3], 3);
    const step = () =>
      tf.tidy(() => {
        node.resetState();
        return tf
          .grad((a: tf.Tensor) => tf.sum(node.multiStep(a)))(x)
          .dispose();
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs a whole sequence as one op: no per-step kernels on the fused path', async () => {
    const seq = inputs([8, 2, 3], 13);
    const kernels = async (fused: boolean) => {
      const node = new LIFNode({ tau: 2, fused });
      const info = await tf.profile(() => {
        node.multiStep(seq).dispose();
      });
      node.resetState();
      return info.kernels.length;
    };
    const stepwise = await kernels(false);
    expect(stepwise).toBeGreaterThan(8 * 3);
    expect(await kernels(true)).toBeLessThan(8);
  });
});
