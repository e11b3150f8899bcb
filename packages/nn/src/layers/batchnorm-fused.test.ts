import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeError, seededArray } from '../test-utils.js';
import { BATCHNORM_TRAIN_GRAD_KERNEL, BATCHNORM_TRAIN_KERNEL, batchNormTrain } from './batchnorm-fused.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** tfjs' own training-mode batch norm: moments over all but the last axis, then batchNorm. */
function reference(x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, eps: number) {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return tf.batchNorm(x, mean, variance, b, g, eps);
}

describe('fused training-mode batch norm', () => {
  for (const shape of [
    [6, 4],
    [3, 5, 4, 3],
  ]) {
    it(`matches moments + batchNorm in value and in x, γ, β gradients for [${shape}]`, () => {
      const n = shape.reduce((a, c) => a * c, 1);
      const C = shape[shape.length - 1];
      const x = tf.tensor(seededArray(n, 1, -2, 3), shape);
      const g = tf.tensor1d(seededArray(C, 2, 0.5, 1.5));
      const b = tf.tensor1d(seededArray(C, 3, -1, 1));
      const dy = tf.tensor(seededArray(n, 4, -1, 1), shape);
      const ref = reference(x, g, b, 1e-5);
      const got = batchNormTrain(x, g, b, 1e-5);
      expect(relativeError(got.y.dataSync(), ref.dataSync())).toBeLessThan(1e-5);
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      expect(relativeError(got.mean.dataSync(), mean.dataSync())).toBeLessThan(1e-6);
      expect(relativeError(got.variance.dataSync(), variance.dataSync())).toBeLessThan(1e-6);
      const gRef = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
        reference(a, c as tf.Tensor1D, d as tf.Tensor1D, 1e-5),
      )([x, g, b], dy);
      const gGot = tf.grads(
        (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
          batchNormTrain(a, c as tf.Tensor1D, d as tf.Tensor1D, 1e-5).y,
      )([x, g, b], dy);
      for (let i = 0; i < 3; i++) {
        expect(relativeError(gGot[i].dataSync(), gRef[i].dataSync())).toBeLessThan(1e-4);
      }
    });
  }
});

/**
 * A stand-in native kernel pair on the cpu backend, written as plain loops over the kernel contract
 * (as @synaptogen/wasm-simd implements it), to test that batchNormTrain routes through it.
 */
function registerStandIn(calls: { forward: number; backward: number }): () => void {
  type Cpu = {
    readSync(id: object): Float32Array;
    makeTensorInfo(s: number[], d: 'float32', v: Float32Array): tf.TensorInfo;
  };
  tf.registerKernel({
    kernelName: BATCHNORM_TRAIN_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      calls.forward++;
      const cpu = backend as unknown as Cpu;
      const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
      const xs = cpu.readSync(x.dataId);
      const [gs, bs] = [cpu.readSync(gamma.dataId), cpu.readSync(beta.dataId)];
      const C = gs.length;
      const M = xs.length / C;
      const [mean, variance, invStd] = [new Float32Array(C), new Float32Array(C), new Float32Array(C)];
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let r = 0; r < M; r++) s += xs[r * C + c];
        mean[c] = s / M;
        let q = 0;
        for (let r = 0; r < M; r++) q += (xs[r * C + c] - mean[c]) ** 2;
        variance[c] = q / M;
        invStd[c] = 1 / Math.sqrt(variance[c] + (attrs?.eps as number));
      }
      const xhat = xs.map((v, i) => (v - mean[i % C]) * invStd[i % C]);
      const y = xhat.map((v, i) => v * gs[i % C] + bs[i % C]);
      return [
        cpu.makeTensorInfo(x.shape, 'float32', y),
        cpu.makeTensorInfo(x.shape, 'float32', xhat),
        cpu.makeTensorInfo([C], 'float32', mean),
        cpu.makeTensorInfo([C], 'float32', variance),
        cpu.makeTensorInfo([C], 'float32', invStd),
      ];
    },
  });
  tf.registerKernel({
    kernelName: BATCHNORM_TRAIN_GRAD_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      calls.backward++;
      const cpu = backend as unknown as Cpu;
      const { dy, xhat, invStd, gamma } = inputs as Record<string, tf.TensorInfo>;
      const [d, xh, is, gs] = [dy, xhat, invStd, gamma].map((t) => cpu.readSync(t.dataId));
      const C = gs.length;
      const M = d.length / C;
      const [dGamma, dBeta] = [new Float32Array(C), new Float32Array(C)];
      for (let i = 0; i < d.length; i++) {
        dBeta[i % C] += d[i];
        dGamma[i % C] += d[i] * xh[i];
      }
      const dx = d.map((v, i) => {
        const c = i % C;
        return (v - dBeta[c] / M - xh[i] * (dGamma[c] / M)) * gs[c] * is[c];
      });
      return [
        cpu.makeTensorInfo(dy.shape, 'float32', dx),
        cpu.makeTensorInfo([C], 'float32', dGamma),
        cpu.makeTensorInfo([C], 'float32', dBeta),
      ];
    },
  });
  return () => {
    tf.unregisterKernel(BATCHNORM_TRAIN_KERNEL, 'cpu');
    tf.unregisterKernel(BATCHNORM_TRAIN_GRAD_KERNEL, 'cpu');
  };
}

describe('batchNormTrain on a native kernel pair', () => {
  it('runs the registered kernels once each way and matches moments + batchNorm', () => {
    const calls = { forward: 0, backward: 0 };
    const unregister = registerStandIn(calls);
    try {
      const shape = [3, 5, 4, 3];
      const n = shape.reduce((a, c) => a * c, 1);
      const x = tf.tensor(seededArray(n, 1, -2, 3), shape);
      const g = tf.tensor1d(seededArray(3, 2, 0.5, 1.5));
      const b = tf.tensor1d(seededArray(3, 3, -1, 1));
      const dy = tf.tensor(seededArray(n, 4, -1, 1), shape);
      const got = batchNormTrain(x, g, b, 1e-5);
      expect(calls.forward).toBe(1);
      const ref = reference(x, g, b, 1e-5);
      expect(relativeError(got.y.dataSync(), ref.dataSync())).toBeLessThan(1e-5);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      expect(relativeError(got.mean.dataSync(), mean.dataSync())).toBeLessThan(1e-6);
      expect(relativeError(got.variance.dataSync(), variance.dataSync())).toBeLessThan(1e-6);
      const before = { ...calls };
      const gGot = tf.grads(
        (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
          batchNormTrain(a, c as tf.Tensor1D, d as tf.Tensor1D, 1e-5).y,
      )([x, g, b], dy);
      expect(calls.backward).toBe(before.backward + 1);
      const gRef = tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
        reference(a, c as tf.Tensor1D, d as tf.Tensor1D, 1e-5),
      )([x, g, b], dy);
      for (let i = 0; i < 3; i++) {
        expect(gGot[i].shape).toEqual(gRef[i].shape);
        expect(relativeError(gGot[i].dataSync(), gRef[i].dataSync())).toBeLessThan(1e-4);
      }
    } finally {
      unregister();
    }
  });
});
