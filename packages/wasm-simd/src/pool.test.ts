import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAXPOOL_GRAD_FIRST, maxPoolGradFirst } from './pool.js';
import { loadKernels } from './runtime.js';
import { seededUniform } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

/** The cpu backend's max-pool gradient (its MaxPoolGrad routes to the first maximum). */
function cpuGrad(
  x: Float32Array,
  shape: [number, number, number, number],
  dy: Float32Array,
  k: number,
  s: number,
) {
  const prev = tf.getBackend();
  tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const xt = tf.tensor4d(x, shape);
      const y = tf.maxPool(xt, k, s, 'valid');
      const dyt = tf.tensor(dy, y.shape);
      return tf
        .grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, k, s, 'valid'), dyt)))(xt)
        .dataSync() as Float32Array;
    });
  } finally {
    tf.setBackend(prev);
  }
}

let reg: WasmSimdRegistration;
beforeAll(async () => {
  await tf.setBackend('wasm');
  reg = await useWasmSimd();
});
afterAll(() => reg.unregister());

describe('first-maximum max-pool gradient', () => {
  const cases = [
    { name: 'binary spikes (ties everywhere), 2×2', shape: [3, 8, 8, 6] as const, k: 2, s: 2, binary: true },
    {
      name: 'random values, 2×2, odd size (floor mode)',
      shape: [2, 9, 7, 5] as const,
      k: 2,
      s: 2,
      binary: false,
    },
    // channels % 4 = 0 with k = s: the SIMD path
    { name: 'binary spikes, 2×2, 8 channels (SIMD)', shape: [3, 8, 8, 8] as const, k: 2, s: 2, binary: true },
    {
      name: 'random values, 3×3, odd size, 12 channels (SIMD, cropped edges)',
      shape: [2, 10, 7, 12] as const,
      k: 3,
      s: 3,
      binary: false,
    },
    {
      name: 'random values, 3×3 stride 2 (overlapping)',
      shape: [2, 9, 9, 4] as const,
      k: 3,
      s: 2,
      binary: false,
    },
  ];
  for (const c of cases) {
    it(`equals the tfjs cpu gradient: ${c.name}`, async () => {
      const [n, h, w, ch] = c.shape;
      let x = seededUniform(n * h * w * ch, 7);
      if (c.binary) x = x.map((v) => (v > 0.3 ? 1 : 0));
      const oh = Math.floor((h - c.k) / c.s) + 1;
      const ow = Math.floor((w - c.k) / c.s) + 1;
      const dy = seededUniform(n * oh * ow * ch, 9);
      const ref = cpuGrad(x, [...c.shape], dy, c.k, c.s);
      const k2 = await loadKernels({ threads: 2 });
      const g = { batch: n, inH: h, inW: w, channels: ch, size: c.k, stride: c.s };
      const ours = maxPoolGradFirst(k2, x, dy, g);
      if (c.k === c.s) expect(Array.from(ours)).toEqual(Array.from(ref));
      else {
        // overlapping windows: a position can collect several gradients, summed in another order
        for (let i = 0; i < ref.length; i++) expect(ours[i]).toBeCloseTo(ref[i], 5);
        expect(ours.some((v, i) => v !== 0 && ref[i] !== 0)).toBe(true);
      }
      // the registered kernel on the wasm backend
      const viaKernel = tf.tidy(() =>
        (
          tf
            .engine()
            .runKernel(
              MAXPOOL_GRAD_FIRST,
              { dy: tf.tensor4d(dy, [n, oh, ow, ch]), x: tf.tensor4d(x, [...c.shape]) },
              { filterSize: c.k, strides: c.s },
            ) as tf.Tensor
        ).dataSync(),
      );
      expect(Array.from(viaKernel)).toEqual(Array.from(ours));
    });
  }

  it('routes a tie to the first position (stock wasm MaxPoolGrad takes the last)', () => {
    const x = new Float32Array([1, 1, 1, 1]);
    const dy = new Float32Array([1]);
    const ours = tf.tidy(() =>
      (
        tf
          .engine()
          .runKernel(
            MAXPOOL_GRAD_FIRST,
            { dy: tf.tensor4d(dy, [1, 1, 1, 1]), x: tf.tensor4d(x, [1, 2, 2, 1]) },
            { filterSize: 2, strides: 2 },
          ) as tf.Tensor
      ).dataSync(),
    );
    expect(Array.from(ours)).toEqual([1, 0, 0, 0]);
  });

  it('rejects bad geometry with the argument named', async () => {
    const k1 = await loadKernels({ threads: 1 });
    const g = { batch: 1, inH: 4, inW: 4, channels: 1, size: 2, stride: 2 };
    expect(() => maxPoolGradFirst(k1, new Float32Array(15), new Float32Array(4), g)).toThrow(
      /x has 15 elements, expected 16/,
    );
    expect(() => maxPoolGradFirst(k1, new Float32Array(16), new Float32Array(4), { ...g, size: 5 })).toThrow(
      /window 5 is larger/,
    );
    expect(() =>
      maxPoolGradFirst(k1, new Float32Array(16), new Float32Array(4), { ...g, stride: 0 }),
    ).toThrow(/geometry.stride must be a positive integer/);
  });
});
