import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

let reg: WasmSimdRegistration;
let stockFunc: tf.KernelFunc | undefined;
beforeAll(async () => {
  await tf.setBackend('wasm');
  stockFunc = tf.getKernel(tf.Greater, 'wasm')?.kernelFunc;
  reg = await useWasmSimd({ kernels: [tf.Greater] });
});
afterAll(() => reg.unregister());

/** The same computation on cpu and on wasm (ours installed). */
async function both(fn: () => tf.Tensor): Promise<[number[], number[]]> {
  await tf.setBackend('cpu');
  const ref = tf.tidy(fn);
  const r = Array.from(ref.dataSync());
  ref.dispose();
  await tf.setBackend('wasm');
  const ours = tf.tidy(fn);
  const o = Array.from(ours.dataSync());
  expect(ours.dtype).toBe('bool');
  ours.dispose();
  return [o, r];
}

describe('Greater kernel (wasm, over the heap)', () => {
  it('is installed in place of the stock kernel', () => {
    expect(reg.kernels).toEqual([tf.Greater]);
    expect(tf.getKernel(tf.Greater, 'wasm')?.kernelFunc).not.toBe(stockFunc);
  });

  const a = [1.5, -2, 0, -0, Number.NaN, 3, 3, 1e-30, -1e30, 7];
  const b = [1, -2, -0, 0, 1, Number.NaN, 4, 0, -1e31, 7.000001];
  it('float32 of one shape (ties, ±0, NaN) equals the cpu backend', async () => {
    const [ours, ref] = await both(() => tf.greater(tf.tensor2d(a, [2, 5]), tf.tensor2d(b, [2, 5])));
    expect(ours).toEqual(ref);
  });

  it('a tensor and a scalar, either side', async () => {
    for (const fn of [
      () => tf.greater(tf.tensor1d(a), 0),
      () => tf.greater(tf.tensor1d(a), tf.scalar(3)),
      () => tf.greater(tf.scalar(1), tf.tensor1d(b)),
    ]) {
      const [ours, ref] = await both(fn);
      expect(ours).toEqual(ref);
    }
  });

  it('int32 of one shape (as Grad R counts events)', async () => {
    const x = [0, 1, 1, 0, -5, 2147483647, -2147483648, 3];
    const y = [1, 0, 1, 0, -6, 2147483646, 0, 3];
    const [ours, ref] = await both(() => tf.greater(tf.tensor1d(x, 'int32'), tf.tensor1d(y, 'int32')));
    expect(ours).toEqual(ref);
  });

  it('1,031 elements (16-lane blocks and a tail), float32 and int32, arrays and scalars', async () => {
    const n = 1031;
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed;
    };
    // small integers: many ties; every 97th a NaN
    const fa = Array.from({ length: n }, (_, i) => (i % 97 === 0 ? Number.NaN : (next() % 7) - 3));
    const fb = Array.from({ length: n }, () => (next() % 7) - 3);
    const ia = Array.from({ length: n }, () => (next() % 5) - 2);
    const ib = Array.from({ length: n }, () => (next() % 5) - 2);
    for (const fn of [
      () => tf.greater(tf.tensor1d(fa), tf.tensor1d(fb)),
      () => tf.greater(tf.tensor1d(fa), 0),
      () => tf.greater(tf.scalar(0.5), tf.tensor1d(fb)),
      () => tf.greater(tf.tensor1d(ia, 'int32'), tf.tensor1d(ib, 'int32')),
      () => tf.greater(tf.tensor1d(ia, 'int32'), tf.scalar(0, 'int32')),
      () => tf.greater(tf.scalar(1, 'int32'), tf.tensor1d(ib, 'int32')),
    ]) {
      const [ours, ref] = await both(fn);
      expect(ours).toEqual(ref);
    }
  });

  it('other broadcasts and mixed dtypes go to the stock kernel, still equal to cpu', async () => {
    for (const fn of [
      () => tf.greater(tf.tensor2d([1, 2, 3], [3, 1]), tf.tensor2d([2, 0, 5, 1], [1, 4])),
      () => tf.greater(tf.tensor1d([1, 2, 3], 'int32'), tf.tensor1d([1.5, 1.5, 3.5])),
    ]) {
      const [ours, ref] = await both(fn);
      expect(ours).toEqual(ref);
    }
  });
});
