import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

/** Runs `f` on a backend and returns its result's values (tensors made on the way are disposed). */
function onBackend(name: string, f: () => tf.Tensor): { values: number[]; dtype: string } {
  const prev = tf.getBackend();
  tf.setBackend(name);
  try {
    tf.engine().startScope();
    const t = f();
    return { values: Array.from(t.dataSync() as ArrayLike<number>), dtype: t.dtype };
  } finally {
    tf.engine().endScope();
    tf.setBackend(prev);
  }
}

function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.round((s / 2 ** 32) * 8 - 4) / 2; // ties for the comparisons
  });
}

const both = (f: () => tf.Tensor) => ({
  wasm: onBackend('wasm', f).values,
  cpu: onBackend('cpu', f).values,
});

describe('copy-free Slice and GreaterEqual on the wasm backend equal the cpu backend', () => {
  let reg: WasmSimdRegistration;
  beforeAll(async () => {
    reg = await useWasmSimd();
    await tf.setBackend('cpu');
    await tf.setBackend('wasm'); // both initialised: the tests switch synchronously
  });
  afterAll(() => reg.unregister());

  const slices: [number[], number[], number[]][] = [
    [
      [4, 6],
      [3, 0],
      [1, 6],
    ], // contiguous (the last time step)
    [
      [4, 6],
      [1, 2],
      [2, 3],
    ],
    [
      [3, 4, 5],
      [1, 0, 2],
      [2, 4, -1],
    ],
    [
      [2, 3, 4, 20],
      [0, 1, 1, 2],
      [2, 2, 3, 17],
    ], // runs of ≥ 16 (subarray copies)
    [
      [2, 2, 3, 2, 3],
      [1, 0, 1, 0, 1],
      [1, 2, 2, 2, 2],
    ],
  ];
  for (const [shape, begin, size] of slices) {
    it(`slices [${shape}] at [${begin}] size [${size}] (float32, int32, bool)`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const v = values(n, n);
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const data = dtype === 'bool' ? v.map((e) => (e > 0 ? 1 : 0)) : v;
        const r = both(() => tf.slice(tf.tensor(data, shape, dtype), begin, size));
        expect(r.wasm).toEqual(r.cpu);
        expect(r.wasm.length).toBeGreaterThan(0);
      }
    });
  }

  it('compares x ≥ scalar, scalar ≥ x, same shapes and broadcasts', () => {
    const a = values(60, 1);
    const b = values(60, 2);
    const cases: [() => tf.Tensor][] = [
      [() => tf.greaterEqual(tf.tensor(a, [3, 4, 5]), 0.5)],
      [() => tf.greaterEqual(tf.scalar(0.5), tf.tensor(a, [3, 4, 5]))],
      [() => tf.greaterEqual(tf.tensor(a, [3, 4, 5]), tf.tensor(b, [3, 4, 5]))],
      [() => tf.greaterEqual(tf.tensor(a, [3, 4, 5]), tf.tensor(b.slice(0, 5), [5]))], // stock path
      [() => tf.greaterEqual(tf.tensor(a.slice(0, 1), [1]), tf.scalar(0))],
    ];
    for (const [f] of cases) {
      const r = both(f);
      expect(r.wasm).toEqual(r.cpu);
      expect(onBackend('wasm', f).dtype).toBe('bool');
    }
    expect(new Set(both(cases[2][0]).wasm)).toEqual(new Set([0, 1]));
  });
});
