import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCHNORM_BACKWARD, BATCHNORM_FORWARD, batchNormBackward, batchNormForward } from './batchnorm.js';
import { loadKernels } from './runtime.js';
import { seededRange } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1e-6;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / scale;
}

/** Training-mode batch norm from plain tfjs ops on the cpu backend, with autodiff gradients. */
function cpuReference(x: Float32Array, shape: number[], g: Float32Array, b: Float32Array, dy: Float32Array) {
  const prev = tf.getBackend();
  tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const axes = shape.slice(0, -1).map((_, i) => i);
      const stats = (a: tf.Tensor) => {
        const mean = tf.mean(a, axes);
        return { mean, variance: tf.mean(tf.square(tf.sub(a, mean)), axes) };
      };
      const f = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
        const { mean, variance } = stats(a);
        return tf.add(tf.mul(tf.mul(tf.sub(a, mean), tf.rsqrt(tf.add(variance, 1e-5))), c), d);
      };
      const xt = tf.tensor(x, shape);
      const gt = tf.tensor1d(g);
      const bt = tf.tensor1d(b);
      const { mean, variance } = stats(xt);
      const grads = tf.grads(f)([xt, gt, bt], tf.tensor(dy, shape));
      return {
        y: f(xt, gt, bt).dataSync() as Float32Array,
        mean: mean.dataSync() as Float32Array,
        variance: variance.dataSync() as Float32Array,
        dx: grads[0].dataSync() as Float32Array,
        dGamma: grads[1].dataSync() as Float32Array,
        dBeta: grads[2].dataSync() as Float32Array,
      };
    });
  } finally {
    tf.setBackend(prev);
  }
}

// [rows, C] views: C not a multiple of 4 (scalar tail) and a multiple of 4.
const shapes = [
  [5, 3, 3, 7],
  [16, 8, 8, 32],
  [16, 16, 16, 12],
];

describe('training-mode batch norm kernels equal the tfjs cpu backend', () => {
  let reg: WasmSimdRegistration;
  beforeAll(async () => {
    reg = await useWasmSimd();
    await tf.setBackend('wasm');
  });
  afterAll(() => reg.unregister());

  for (const shape of shapes) {
    it(`[${shape}]: values, statistics and x, γ, β gradients`, async () => {
      const n = shape.reduce((a, c) => a * c, 1);
      const C = shape[shape.length - 1];
      // an offset mean, as conv outputs have: exercises the two-pass variance
      const x = seededRange(n, 1, 2, 5);
      const g = seededRange(C, 2, 0.5, 1.5);
      const b = seededRange(C, 3, -1, 1);
      const dy = seededRange(n, 4, -1, 1);
      const ref = cpuReference(x, shape, g, b, dy);

      const k = await loadKernels();
      const f = batchNormForward(k, x, C, g, b, 1e-5);
      expect(relErr(f.y, ref.y)).toBeLessThan(1e-5);
      expect(relErr(f.mean, ref.mean)).toBeLessThan(1e-6);
      expect(relErr(f.variance, ref.variance)).toBeLessThan(1e-5);
      const bw = batchNormBackward(k, dy, f.xhat, f.invStd, g);
      expect(relErr(bw.dx, ref.dx)).toBeLessThan(1e-4);
      expect(relErr(bw.dGamma, ref.dGamma)).toBeLessThan(1e-4);
      expect(relErr(bw.dBeta, ref.dBeta)).toBeLessThan(1e-5);

      // the registered kernels through tfjs on the wasm backend, as @synaptogen/nn calls them
      const [y, , mean] = tf
        .engine()
        .runKernel(
          BATCHNORM_FORWARD,
          { x: tf.tensor(x, shape), gamma: tf.tensor1d(g), beta: tf.tensor1d(b) },
          { eps: 1e-5 },
        ) as tf.Tensor[];
      expect(y.shape).toEqual(shape);
      expect(relErr(y.dataSync(), ref.y)).toBeLessThan(1e-5);
      expect(relErr(mean.dataSync(), ref.mean)).toBeLessThan(1e-6);
      const [dx, dGamma] = tf.engine().runKernel(BATCHNORM_BACKWARD, {
        dy: tf.tensor(dy, shape),
        xhat: tf.tensor(f.xhat, shape),
        invStd: tf.tensor1d(f.invStd),
        gamma: tf.tensor1d(g),
      }) as tf.Tensor[];
      expect(dx.shape).toEqual(shape);
      expect(relErr(dx.dataSync(), ref.dx)).toBeLessThan(1e-4);
      expect(relErr(dGamma.dataSync(), ref.dGamma)).toBeLessThan(1e-4);

      // also registered for the cpu backend (through readSync / makeTensorInfo)
      await tf.setBackend('cpu');
      try {
        const [yc] = tf
          .engine()
          .runKernel(
            BATCHNORM_FORWARD,
            { x: tf.tensor(x, shape), gamma: tf.tensor1d(g), beta: tf.tensor1d(b) },
            { eps: 1e-5 },
          ) as tf.Tensor[];
        expect(relErr(yc.dataSync(), ref.y)).toBeLessThan(1e-5);
      } finally {
        await tf.setBackend('wasm');
      }
    });
  }

  it('runs on two threads for large inputs with the single-thread result', async () => {
    const k1 = await loadKernels({ threads: 1 });
    const k2 = await loadKernels({ threads: 2 });
    const C = 16;
    const x = seededRange(40000 * C, 5, -1, 3);
    const g = seededRange(C, 6, 0.5, 1.5);
    const b = seededRange(C, 7, -1, 1);
    const a = batchNormForward(k1, x, C, g, b, 1e-5);
    const c = batchNormForward(k2, x, C, g, b, 1e-5);
    expect(k2.lastParallelism).toBe(2);
    expect(relErr(c.y, a.y)).toBeLessThan(1e-6);
  });

  it('rejects mismatched sizes and a missing eps with clear errors', async () => {
    const k = await loadKernels();
    expect(() =>
      batchNormForward(k, new Float32Array(10), 4, new Float32Array(4), new Float32Array(4), 1e-5),
    ).toThrow(/length 10 is not a positive multiple of 4 channels/);
    expect(() =>
      batchNormForward(k, new Float32Array(8), 4, new Float32Array(3), new Float32Array(4), 1e-5),
    ).toThrow(/gamma has 3 elements, expected 4/);
    expect(() =>
      tf
        .engine()
        .runKernel(BATCHNORM_FORWARD, { x: tf.ones([2, 4]), gamma: tf.ones([4]), beta: tf.zeros([4]) }, {}),
    ).toThrow(/attrs.eps must be a non-negative number/);
  });
});
