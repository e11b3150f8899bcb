import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matMul } from './matmul.js';
import { loadKernels } from './runtime.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
}

async function on<T>(backend: string, fn: () => T): Promise<T> {
  await tf.setBackend(backend);
  return fn();
}

let reg: WasmSimdRegistration;
beforeAll(async () => {
  await tf.setBackend('wasm');
  reg = await useWasmSimd({ kernels: ['BatchMatMul'] }); // opt-in kernel
  expect(reg.kernels).toEqual(['BatchMatMul']);
});
afterAll(() => reg.unregister());

describe('matMul (BatchMatMul on the GEMM micro-kernel)', () => {
  const cases = [
    { name: '5×3 · 3×7', a: [5, 3], b: [3, 7], ta: false, tb: false },
    { name: 'transposeA', a: [9, 6], b: [9, 13], ta: true, tb: false },
    { name: 'transposeB', a: [6, 33], b: [17, 33], ta: false, tb: true },
    { name: 'both transposed', a: [20, 11], b: [9, 20], ta: true, tb: true },
    { name: 'batched 3-D', a: [3, 8, 10], b: [3, 10, 12], ta: false, tb: false },
    // forward only: tfjs-core's BatchMatMul gradient does not reduce a broadcast batch (cpu fails too)
    { name: 'broadcast batch', a: [4, 6, 16], b: [1, 16, 8], ta: false, tb: false, forwardOnly: true },
    { name: 'several threads (64×200 · 200×96)', a: [64, 200], b: [200, 96], ta: false, tb: false },
  ];
  for (const c of cases) {
    it(`forward and gradients equal tfjs cpu: ${c.name}`, async () => {
      const av = random(
        c.a.reduce((x, y) => x * y),
        1,
      );
      const bv = random(
        c.b.reduce((x, y) => x * y),
        2,
      );
      const run = () =>
        tf.tidy(() => {
          const a = tf.tensor(av, c.a);
          const b = tf.tensor(bv, c.b);
          const y = tf.matMul(a, b, c.ta, c.tb);
          if ((c as { forwardOnly?: boolean }).forwardOnly) return [y.dataSync()];
          const w = tf.tensor(random(y.size, 3), y.shape);
          const [ga, gb] = tf.grads((x, z) => tf.sum(tf.mul(tf.matMul(x, z, c.ta, c.tb), w)))([a, b]);
          return [y.dataSync(), ga.dataSync(), gb.dataSync()];
        });
      const ref = await on('cpu', run);
      const ours = await on('wasm', run);
      expect(ours.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) expect(maxRelErr(ours[i], ref[i])).toBeLessThan(1e-5);
    });
  }

  it('rejects inconsistent sizes with the argument named', async () => {
    const k = await loadKernels({ threads: 1 });
    expect(() => matMul(k, new Float32Array(6), new Float32Array(6), 2, 3, 3, false, false)).toThrow(
      /b has 6 elements, expected 3·3/,
    );
    expect(() => matMul(k, new Float32Array(0), new Float32Array(0), 0, 3, 3, false, false)).toThrow(
      /M must be a positive integer/,
    );
  });
});
