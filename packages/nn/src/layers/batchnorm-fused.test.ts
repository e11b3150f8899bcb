import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeError, seededArray } from '../test-utils.js';
import { batchNormTrain } from './batchnorm-fused.js';

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
