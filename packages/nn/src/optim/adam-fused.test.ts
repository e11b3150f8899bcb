import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAM_UPDATE, Adam } from './adam.js';

// A stand-in for @synaptogen/wasm-simd's fused kernel on the cpu backend: the documented formula in
// float32 steps, so that Adam's route and the attrs it passes are checked against the op path.
const f = Math.fround;
let calls = 0;
const standIn: tf.KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    calls++;
    const b = backend as unknown as {
      readSync(id: object): Float32Array;
      makeTensorInfo(s: number[], d: 'float32', v: Float32Array): tf.TensorInfo;
    };
    const { g, m, v, p } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as Record<string, number | string>;
    const [gs, ms, vs] = [g, m, v].map((t) => b.readSync(t.dataId));
    const ps = a.mode === 'update' ? b.readSync(p.dataId) : null;
    const n = gs.length;
    const [mo, vo, r] = [0, 1, 2].map(() => new Float32Array(n));
    const [b1, b2] = [a.beta1 as number, a.beta2 as number];
    for (let i = 0; i < n; i++) {
      mo[i] = f(f(ms[i] * f(b1)) + f(gs[i] * f(1 - b1)));
      vo[i] = f(f(vs[i] * f(b2)) + f(f(gs[i] * gs[i]) * f(1 - b2)));
      const d = f(
        f(mo[i] / f(f(f(Math.sqrt(vo[i])) / f(a.sqrtBc2 as number)) + f(a.eps as number))) *
          f(a.stepSize as number),
      );
      r[i] = ps ? ps[i] - d : d;
    }
    return [mo, vo, r].map((values) => b.makeTensorInfo(g.shape, 'float32', values));
  },
};

/** Three Adam steps on two parameters; returns the parameters and moments afterwards. */
function run(): number[][] {
  const w = tf.variable(tf.tensor2d([0.3, -0.7, 1.1, 0.05], [2, 2]), true, 'fused-w');
  const u = tf.variable(tf.tensor1d([2, -3, 0.5]), true, 'fused-u');
  const adam = new Adam(
    new Map<string, tf.Variable>([
      ['w', w],
      ['u', u],
    ]),
    { lr: 0.01 },
  );
  for (let s = 1; s <= 3; s++) {
    const grads = new Map<string, tf.Tensor>([
      ['w', tf.tensor2d([0.1 * s, -0.2, 0.3, -0.4 / s], [2, 2])],
      ['u', tf.tensor1d([s, -0.5, 1e-4])],
    ]);
    adam.apply(grads);
    for (const g of grads.values()) g.dispose();
  }
  // Grad R's use: the direction alone
  const d = tf.tidy(() => adam.direction('u', tf.tensor1d([0.2, 0.1, -0.3]), u, 4));
  const out = [w, u, d, ...Object.values(adam.getState().tensors)].map((t) => Array.from(t.dataSync()));
  d.dispose();
  adam.dispose();
  w.dispose();
  u.dispose();
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => {
  if (tf.getKernel(ADAM_UPDATE, 'cpu')) tf.unregisterKernel(ADAM_UPDATE, 'cpu');
});

describe('Adam with a registered fused kernel', () => {
  it('routes every update through it and gives the same bits as the element-wise ops', () => {
    const ops = run();
    tf.registerKernel(standIn);
    calls = 0;
    const fused = run();
    tf.unregisterKernel(ADAM_UPDATE, 'cpu');
    expect(calls).toBe(2 * 3 + 1); // two parameters × three steps, plus the direction
    expect(fused).toEqual(ops);
  });
});
