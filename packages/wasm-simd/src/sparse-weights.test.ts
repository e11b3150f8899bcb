import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matMul, matMulSparseB, sparseWeightCalls, sparseWeightWins } from './matmul.js';
import { loadKernels } from './runtime.js';
import { firstDifference, seededUniform } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

/** Seeded values with about `zeros` of them 0 (a pruned weight, MNIST pixels). */
function sparse(n: number, seed: number, zeros: number): Float32Array {
  const v = seededUniform(n, seed);
  const u = seededUniform(n, seed + 1000);
  for (let i = 0; i < n; i++) if ((u[i] + 1) / 2 < zeros) v[i] = 0;
  return v;
}

function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
}

let kernels: Awaited<ReturnType<typeof loadKernels>>;
beforeAll(async () => {
  kernels = await loadKernels();
});

describe('matMul skipping the zeros of B (a pruned weight)', () => {
  for (const { m, k: kd, n } of [
    { m: 33, k: 50, n: 21 },
    { m: 128, k: 78, n: 80 },
    { m: 1, k: 9, n: 3 },
  ]) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`${m}×${kd}·${kd}×${n} ta=${ta} tb=${tb}: bit-identical to the dense GEMM`, () => {
        for (const zeros of [0, 0.9, 1]) {
          const a = seededUniform(m * kd, m + kd);
          const b = sparse(kd * n, n, zeros);
          const dense = matMul(kernels, a, b, m, kd, n, ta, tb, undefined, { path: 'dense' });
          const ours = matMul(kernels, a, b, m, kd, n, ta, tb, undefined, { path: 'sparseB' });
          // both sum in ascending k; a skipped 0·a adds nothing (all-zero sums are +0 on both)
          expect(firstDifference(ours, dense)).toBe(-1);
        }
      });
    }
  }

  it('leaves a too dense B to the caller and remembers the CSR of a sparse one', () => {
    const a = seededUniform(8 * 40, 1);
    const out = new Float32Array(8 * 30);
    expect(matMulSparseB(kernels, a, seededUniform(40 * 30, 2), 8, 40, 30, false, false, out, {}, '0')).toBe(
      false,
    );
    expect(Array.from(out)).toEqual(new Array(out.length).fill(0));
    const key = {};
    const w = sparse(40 * 30, 3, 0.9);
    expect(matMulSparseB(kernels, a, w, 8, 40, 30, false, false, out, key, '0')).toBe(true);
    const first = out.slice();
    // the input gradient's product takes the same weight transposed: the kept CSR serves it
    const dy = seededUniform(8 * 30, 4);
    const dx = new Float32Array(8 * 40);
    expect(matMulSparseB(kernels, dy, w, 8, 30, 40, false, true, dx, key, '0')).toBe(true);
    expect(
      firstDifference(first, matMul(kernels, a, w, 8, 40, 30, false, false, undefined, { path: 'dense' })),
    ).toBe(-1);
    expect(
      firstDifference(dx, matMul(kernels, dy, w, 8, 30, 40, false, true, undefined, { path: 'dense' })),
    ).toBe(-1);
  });

  it('rejects a wrong output size naming it', () => {
    expect(() =>
      matMulSparseB(
        kernels,
        new Float32Array(6),
        new Float32Array(9),
        2,
        3,
        3,
        false,
        false,
        new Float32Array(5),
        {},
        '0',
      ),
    ).toThrow(/out has 5 elements, expected 6/);
  });
});

describe('sparseWeightWins', () => {
  it("routes gradr-mnist-mlp's products at 10% connectivity as measured", () => {
    expect(sparseWeightWins(128, 784, 800, 0.19, 0.1)).toBe(true); // forward, MNIST x
    expect(sparseWeightWins(128, 784, 800, 1, 0.1)).toBe(true); // forward, dense x
    expect(sparseWeightWins(128, 800, 784, 1, 0.1)).toBe(true); // input gradient dy·Wᵀ
    expect(sparseWeightWins(1024, 800, 10, 0.15, 0.1)).toBe(false); // output layer behind spikes
    expect(sparseWeightWins(1024, 10, 800, 1, 0.1)).toBe(false); // its input gradient: K = 10
    expect(sparseWeightWins(128, 784, 800, 1, 0.5)).toBe(false); // too dense
  });
});

describe('BatchMatMul kernel with a pruned weight equals the cpu backend', () => {
  let reg: WasmSimdRegistration;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    reg = await useWasmSimd({ kernels: ['BatchMatMul'] });
    expect(reg.sparseWeights).toBe(true);
  });
  afterAll(() => reg.unregister());

  // a Linear layer y = x·W (W [in, out]) on dense and MNIST-like inputs, W at 10% and 2% nonzeros
  for (const [xZeros, wZeros] of [
    [0, 0.9],
    [0.8, 0.9],
    [0, 0.98],
  ] as const) {
    it(`forward and gradients, ${xZeros * 100}% zeros in x, ${wZeros * 100}% in W`, async () => {
      const xv = sparse(128 * 300, 11, xZeros);
      const wv = sparse(300 * 400, 12, wZeros);
      const dyv = seededUniform(128 * 400, 13);
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor2d(xv, [128, 300]);
          const w = tf.tensor2d(wv, [300, 400]);
          const dy = tf.tensor2d(dyv, [128, 400]);
          const y = tf.matMul(x, w);
          const [gx, gw] = tf.grads((a, b) => tf.sum(tf.mul(tf.matMul(a, b), dy)))([x, w]);
          return [y, gx, gw].map((t) => t.dataSync());
        });
      await tf.setBackend('cpu');
      const ref = run();
      await tf.setBackend('wasm');
      const before = sparseWeightCalls.count;
      const ours = run();
      expect(sparseWeightCalls.count).toBeGreaterThan(before); // W's zeros were skipped
      for (let i = 0; i < ref.length; i++) expect(maxRelErr(ours[i], ref[i])).toBeLessThan(1e-5);
    });
  }

  it('uses the new values after the weight variable is assigned (the CSR is kept per tensor data)', async () => {
    const xv = sparse(128 * 300, 31, 0);
    const w1 = sparse(300 * 400, 32, 0.95);
    const w2 = sparse(300 * 400, 33, 0.95);
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor2d(xv, [128, 300]);
        const w = tf.variable(tf.tensor2d(w1, [300, 400]));
        const y1 = tf.matMul(x, w).dataSync();
        w.assign(tf.tensor2d(w2, [300, 400]));
        const y2 = tf.matMul(x, w).dataSync();
        w.dispose();
        return [y1, y2];
      });
    await tf.setBackend('cpu');
    const ref = run();
    await tf.setBackend('wasm');
    const before = sparseWeightCalls.count;
    const ours = run();
    expect(sparseWeightCalls.count - before).toBe(2);
    for (let i = 0; i < ref.length; i++) expect(maxRelErr(ours[i], ref[i])).toBeLessThan(1e-5);
  });

  it('gives the same bits with sparseWeights off (the dense paths also sum in ascending k)', async () => {
    const xv = sparse(128 * 300, 21, 0.8); // MNIST-like: the dense registration skips x's zeros
    const wv = sparse(300 * 400, 22, 0.9);
    const dyv = seededUniform(128 * 400, 23);
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor2d(xv, [128, 300]);
        const w = tf.tensor2d(wv, [300, 400]);
        const y = tf.matMul(x, w);
        const dx = tf.matMul(tf.tensor2d(dyv, [128, 400]), w, false, true);
        return [y, dx].map((t) => t.dataSync());
      });
    await tf.setBackend('wasm');
    const before = sparseWeightCalls.count;
    const skipped = run();
    expect(sparseWeightCalls.count - before).toBe(2); // both products skipped W's zeros
    reg.unregister();
    reg = await useWasmSimd({ kernels: ['BatchMatMul'], sparseWeights: false });
    const dense = run();
    reg.unregister();
    reg = await useWasmSimd({ kernels: ['BatchMatMul'] });
    for (let i = 0; i < dense.length; i++) expect(firstDifference(skipped[i], dense[i])).toBe(-1);
  });
});
