import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptAIsSparse, matMul, SPARSE_MATMUL_DENSITY_MAX, sampledDensity } from './matmul.js';
import { loadKernels } from './runtime.js';
import { seededUniform } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

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

/** Like `seededUniform`, with about `zeros` of the entries set to 0 (MNIST pixels, spikes). */
function sparse(n: number, seed: number, zeros: number): Float32Array {
  const v = seededUniform(n, seed);
  const u = seededUniform(n, seed + 1000);
  for (let i = 0; i < n; i++) if ((u[i] + 1) / 2 < zeros) v[i] = 0;
  return v;
}

/** Float64 reference of op(A)·op(B). */
function reference(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
) {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const av = ta ? a[p * m + i] : a[i * k + p];
      for (let j = 0; j < n; j++) c[i * n + j] += av * (tb ? b[j * k + p] : b[p * n + j]);
    }
  return c;
}

let reg: WasmSimdRegistration;
let kernels: Awaited<ReturnType<typeof loadKernels>>;
beforeAll(async () => {
  await tf.setBackend('wasm');
  reg = await useWasmSimd({ kernels: ['BatchMatMul'] });
  expect(reg.kernels).toEqual(['BatchMatMul']);
  kernels = await loadKernels(); // the instance the registered kernel uses (default threads)
});
afterAll(() => reg.unregister());

describe('BatchMatMul kernel (tfjs wasm) equals the cpu backend', () => {
  const cases = [
    { name: '5×3 · 3×7', a: [5, 3], b: [3, 7], ta: false, tb: false },
    { name: 'transposeA', a: [9, 6], b: [9, 13], ta: true, tb: false },
    { name: 'transposeB', a: [6, 33], b: [17, 33], ta: false, tb: true },
    { name: 'both transposed', a: [20, 11], b: [9, 20], ta: true, tb: true },
    { name: 'skinny N = 10 (an output layer)', a: [37, 45], b: [45, 10], ta: false, tb: false },
    { name: 'skinny K = 10, transposeB (its input gradient)', a: [37, 10], b: [45, 10], ta: false, tb: true },
    { name: 'K = 1, N = 1', a: [7, 1], b: [1, 1], ta: false, tb: false },
    { name: 'batched 3-D', a: [3, 8, 10], b: [3, 10, 12], ta: false, tb: false },
    { name: 'batched 4-D', a: [2, 3, 6, 5], b: [2, 3, 7, 6], ta: true, tb: true },
    // forward only: tfjs-core's BatchMatMul gradient does not reduce a broadcast batch (cpu fails too)
    { name: 'broadcast batch', a: [4, 6, 16], b: [1, 16, 8], ta: false, tb: false, forwardOnly: true },
    {
      name: 'broadcast rank 2 · rank 3',
      a: [6, 16],
      b: [3, 17, 16],
      ta: false,
      tb: true,
      forwardOnly: true,
    },
    { name: 'several threads (64×200 · 200×96)', a: [64, 200], b: [200, 96], ta: false, tb: false },
  ];
  for (const c of cases) {
    for (const zeros of [0, 0.8]) {
      it(`forward and gradients: ${c.name}, ${zeros * 100}% zeros in A`, async () => {
        const av = sparse(
          c.a.reduce((x, y) => x * y),
          1,
          zeros,
        );
        const bv = seededUniform(
          c.b.reduce((x, y) => x * y),
          2,
        );
        const run = () =>
          tf.tidy(() => {
            const a = tf.tensor(av, c.a);
            const b = tf.tensor(bv, c.b);
            const y = tf.matMul(a, b, c.ta, c.tb);
            if ((c as { forwardOnly?: boolean }).forwardOnly) return [y.dataSync()];
            // gradients in the pattern of a spiking layer: dy dense, then dy with zeros
            const w = tf.tensor(sparse(y.size, 3, zeros), y.shape);
            const [ga, gb] = tf.grads((x, z) => tf.sum(tf.mul(tf.matMul(x, z, c.ta, c.tb), w)))([a, b]);
            return [y.dataSync(), ga.dataSync(), gb.dataSync()];
          });
        const ref = await on('cpu', run);
        kernels.lastParallelism = 0;
        const ours = await on('wasm', run);
        expect(kernels.lastParallelism).toBeGreaterThan(0); // our kernel ran, not the stock one
        expect(ours.length).toBe(ref.length);
        for (let i = 0; i < ref.length; i++) expect(maxRelErr(ours[i], ref[i])).toBeLessThan(1e-5);
      });
    }
  }
});

describe('BatchMatMul kernel: route', () => {
  it('without transposes: a dense A goes to the stock kernel, a sparse A to ours', async () => {
    await tf.setBackend('wasm');
    // [64×40]: decided by the exact count; [128×784] (MNIST's first layer): by a sample first
    for (const [rows, cols, zeros, ours] of [
      [64, 40, 0, false],
      [64, 40, 0.9, true],
      [128, 784, 0, false],
      [128, 784, 0.5, false],
      [128, 784, 0.81, true],
    ] as const) {
      const a = tf.tensor(sparse(rows * cols, 8, zeros), [rows, cols]);
      const b = tf.tensor(seededUniform(cols * 10, 9), [cols, 10]);
      kernels.lastParallelism = 0;
      const y = tf.matMul(a, b);
      const got = y.dataSync();
      expect(kernels.lastParallelism > 0).toBe(ours);
      const ref = await on('cpu', () =>
        tf.matMul(tf.tensor(a.dataSync(), a.shape), tf.tensor(b.dataSync(), b.shape)),
      );
      expect(maxRelErr(got, ref.dataSync())).toBeLessThan(1e-5);
      await tf.setBackend('wasm');
      tf.dispose([a, b, y]);
    }
  });
});

describe('sampledDensity', () => {
  it('estimates the nonzero fraction, also of data with a period', () => {
    for (const zeros of [0, 0.5, 0.81, 1]) {
      expect(Math.abs(sampledDensity(sparse(100_352, 3, zeros)) - (1 - zeros))).toBeLessThan(0.03);
    }
    const periodic = new Float32Array(100_352).map((_, i) => (i % 24 === 0 ? 1 : 0));
    expect(Math.abs(sampledDensity(periodic) - 1 / 24)).toBeLessThan(0.02);
  });

  it('lets keptAIsSparse answer a clearly dense A without copying it into the kernels memory', () => {
    kernels.reset();
    const top = kernels.mark();
    expect(keptAIsSparse(kernels, sparse(128 * 784, 5, 0), 128, 784, {}, '0')).toBe(false);
    expect(kernels.mark()).toBe(top);
    // a sparse A is copied and scanned exactly
    expect(keptAIsSparse(kernels, sparse(128 * 784, 6, 0.81), 128, 784, {}, '0')).toBe(true);
    expect(kernels.mark()).toBeGreaterThan(top);
  });
});

describe('BatchMatMul kernel: A kept between products of the same tensor', () => {
  it('a reshape of the same data (same dataId, other shape) is not mistaken for the kept A', async () => {
    const av = sparse(24, 4, 0.7);
    const run = () =>
      tf.tidy(() => {
        const a = tf.tensor(av, [4, 6]);
        const r = tf.reshape(a, [6, 4]);
        const y1 = tf.matMul(a, tf.tensor(seededUniform(6 * 5, 5), [6, 5]));
        const y2 = tf.matMul(r, tf.tensor(seededUniform(4 * 3, 6), [4, 3]));
        const y3 = tf.matMul(a, tf.tensor(seededUniform(4 * 2, 7), [4, 2]), true, false);
        return [y1, y2, y3].map((y) => y.dataSync());
      });
    const ref = await on('cpu', run);
    const ours = await on('wasm', run);
    for (let i = 0; i < ref.length; i++) expect(maxRelErr(ours[i], ref[i])).toBeLessThan(1e-5);
  });
});

describe('matMul (direct): the dense GEMM and the zero-skipping path', () => {
  const shapes = [
    { m: 33, k: 50, n: 21 },
    { m: 128, k: 78, n: 80 },
    { m: 40, k: 100, n: 10 },
    { m: 1, k: 9, n: 3 },
  ];
  for (const { m, k: kd, n } of shapes) {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      for (const zeros of [0, 0.5, 0.95]) {
        it(`${m}×${kd}·${kd}×${n} ta=${ta} tb=${tb}, ${zeros * 100}% zeros: both paths equal the reference`, () => {
          const a = sparse(m * kd, m + kd, zeros);
          const b = seededUniform(kd * n, n);
          const ref = reference(a, b, m, kd, n, ta, tb);
          for (const path of ['dense', 'sparse', 'auto'] as const) {
            const y = matMul(kernels, a, b, m, kd, n, ta, tb, undefined, { path });
            expect(maxRelErr(y, ref)).toBeLessThan(1e-5);
          }
        });
      }
    }
  }

  it('an all-zero A gives zeros on the sparse path, binary spikes give sums of B rows', () => {
    const b = seededUniform(20 * 6, 5);
    expect(Array.from(matMul(kernels, new Float32Array(4 * 20), b, 4, 20, 6, false, false))).toEqual(
      new Array(24).fill(0),
    );
    const spikes = new Float32Array(3 * 20);
    spikes[2] = 1;
    spikes[20 + 7] = 1;
    spikes[20 + 19] = 1;
    const y = matMul(kernels, spikes, b, 3, 20, 6, false, false, undefined, { path: 'sparse' });
    for (let j = 0; j < 6; j++) {
      expect(y[j]).toBe(b[2 * 6 + j]);
      expect(y[6 + j]).toBeCloseTo(b[7 * 6 + j] + b[19 * 6 + j], 6);
      expect(y[12 + j]).toBe(0);
    }
  });

  it('splits the sparse path over the threads (rows balanced by nonzeros)', () => {
    const m = 256;
    const kd = 512;
    const n = 512;
    const a = sparse(m * kd, 9, 0.5);
    // pile the nonzeros into the first rows: an even row split would leave one thread idle
    for (let i = m / 4; i < m; i++) for (let p = 0; p < kd; p++) if (p % 8) a[i * kd + p] = 0;
    const b = seededUniform(kd * n, 10);
    const y = matMul(kernels, a, b, m, kd, n, false, false, undefined, { path: 'sparse' });
    expect(kernels.lastParallelism).toBe(Math.min(2, kernels.threads));
    expect(maxRelErr(y, reference(a, b, m, kd, n, false, false))).toBeLessThan(1e-5);
  });

  it('picks the path from the density of op(A)', () => {
    expect(SPARSE_MATMUL_DENSITY_MAX).toBeGreaterThan(0);
    expect(SPARSE_MATMUL_DENSITY_MAX).toBeLessThan(1);
  });

  it('rejects inconsistent sizes and unknown paths with the argument named', async () => {
    const k = await loadKernels({ threads: 1 });
    expect(() => matMul(k, new Float32Array(6), new Float32Array(6), 2, 3, 3, false, false)).toThrow(
      /b has 6 elements, expected 3·3/,
    );
    expect(() => matMul(k, new Float32Array(0), new Float32Array(0), 0, 3, 3, false, false)).toThrow(
      /M must be a positive integer/,
    );
    expect(() =>
      matMul(k, new Float32Array(6), new Float32Array(9), 2, 3, 3, false, false, undefined, {
        path: 'fast' as 'auto',
      }),
    ).toThrow(/options.path must be 'auto', 'dense', 'sparse' or 'sparseB', got 'fast'/);
  });
});
