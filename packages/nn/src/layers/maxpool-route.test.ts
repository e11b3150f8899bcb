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

  /** First-maximum routing by plain loops over NHWC, the definition itself. */
  function bruteForce(x: Float32Array, dy: Float32Array, [n, h, w, c]: number[], k: number): number[] {
    const oh = Math.floor(h / k);
    const ow = Math.floor(w / k);
    const g = new Array<number>(x.length).fill(0);
    const at = (b: number, r: number, q: number, ch: number) => ((b * h + r) * w + q) * c + ch;
    for (let b = 0; b < n; b++)
      for (let r = 0; r < oh; r++)
        for (let q = 0; q < ow; q++)
          for (let ch = 0; ch < c; ch++) {
            let best = -1;
            for (let i = 0; i < k; i++)
              for (let j = 0; j < k; j++) {
                const idx = at(b, r * k + i, q * k + j, ch);
                if (best < 0 || x[idx] > x[best]) best = idx;
              }
            g[best] += dy[((b * oh + r) * ow + q) * c + ch];
          }
    return g;
  }

  for (const backend of ['cpu', 'wasm']) {
    for (const [k, shape] of [
      [2, [2, 6, 5, 3]],
      [3, [1, 7, 9, 4]],
    ] as const) {
      it(`matches a brute-force first-max loop on spike-like inputs with many ties: k=${k}, [${shape}] (${backend})`, async () => {
        await tf.setBackend(backend);
        const size = shape.reduce((a: number, b: number) => a * b, 1);
        const xs = seededArray(size, 21).map((v) => (v > 0.6 ? 1 : 0));
        const x = tf.tensor4d(xs, [...shape] as [number, number, number, number]);
        const y = maxPool2dFirstMax(x, k);
        const dys = seededArray(y.size, 22, 0.5, 1.5);
        const dy = tf.tensor4d(dys, y.shape as [number, number, number, number]);
        const g = tf.grad((t: tf.Tensor) => maxPool2dFirstMax(t as tf.Tensor4D, k))(x, dy);
        expect(Array.from(g.dataSync())).toEqual(
          bruteForce(xs, dys, [...shape], k).map((v) => Math.fround(v)),
        );
      });
    }
  }
});
