import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeError, seededArray } from '../test-utils.js';
import { conv2dRouted, filterGradient } from './conv-route.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('conv filter gradient route (for backends without Conv2DBackpropFilter)', () => {
  for (const [stride, padding, k, h] of [
    [1, 1, 3, 8],
    [2, 1, 3, 9],
    [1, 0, 3, 7],
    [2, 0, 1, 6],
    [1, 2, 5, 9],
    [2, 2, 5, 10],
    [1, 0, 1, 5],
  ] as const) {
    it(`equals tfjs' conv2d gradient: stride ${stride}, padding ${padding}, ${k}×${k}`, () => {
      const x = tf.tensor4d(seededArray(2 * h * h * 3, 1, -1, 1), [2, h, h, 3]);
      const w = tf.tensor4d(seededArray(k * k * 3 * 4, 2, -1, 1), [k, k, 3, 4]);
      const y = tf.conv2d(x, w, stride, padding);
      const dy = tf.tensor4d(seededArray(y.size, 3, -1, 1), y.shape as [number, number, number, number]);
      const [gxRef, gwRef] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding),
      )([x, w], dy);
      const gw = filterGradient(x, dy, [k, k, 3, 4], stride, padding);
      expect(relativeError(gw.dataSync(), gwRef.dataSync())).toBeLessThan(1e-5);
      // the whole routed conv (used on wasm) against tfjs' own, forward and both gradients
      expect(relativeError(conv2dRouted(x, w, stride, padding).dataSync(), y.dataSync())).toBeLessThan(1e-6);
      const [gx2, gw2] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        conv2dRouted(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding),
      )([x, w], dy);
      expect(relativeError(gx2.dataSync(), gxRef.dataSync())).toBeLessThan(1e-5);
      expect(relativeError(gw2.dataSync(), gwRef.dataSync())).toBeLessThan(1e-5);
    });
  }
});
