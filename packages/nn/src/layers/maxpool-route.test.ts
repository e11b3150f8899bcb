import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { seededArray } from '../test-utils.js';
import { maxPool2dFirstMax } from './maxpool-route.js';

describe('max pooling with first-maximum gradients', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`routes each window's gradient to its first maximum in row-major order (${backend})`, async () => {
      await tf.setBackend(backend);
      // windows: [1 1; 1 0] → (0,0); [0 1; 1 1] → (0,1); [0 0; 1 1] → (1,0); [0 1; 0 0] → (0,1)
      const x = tf.tensor4d([1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0], [1, 4, 4, 1]);
      const dy = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
      const g = tf.grad((t: tf.Tensor) => maxPool2dFirstMax(t as tf.Tensor4D, 2))(x, dy);
      expect(Array.from(g.dataSync())).toEqual([1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 4, 3, 0, 0, 0]);
    });

    it(`equals tfjs' max-pool gradient where there are no ties, odd sizes included (${backend})`, async () => {
      await tf.setBackend(backend);
      const x = tf.tensor4d(seededArray(2 * 7 * 5 * 3, 9), [2, 7, 5, 3]);
      const y = maxPool2dFirstMax(x, 2);
      expect(y.shape).toEqual([2, 3, 2, 3]);
      const dy = tf.tensor4d(seededArray(y.size, 4), [2, 3, 2, 3]);
      const ours = tf
        .grad((t: tf.Tensor) => maxPool2dFirstMax(t as tf.Tensor4D, 2))(x, dy)
        .dataSync();
      await tf.setBackend('cpu');
      const ref = tf
        .grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'))(x, dy)
        .dataSync();
      expect(Array.from(ours)).toEqual(Array.from(ref));
    });
  }
});
