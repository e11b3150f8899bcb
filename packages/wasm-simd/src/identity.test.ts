import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

describe('zero-copy Identity on the wasm backend', () => {
  let reg: WasmSimdRegistration;
  beforeAll(async () => {
    reg = await useWasmSimd();
    await tf.setBackend('wasm');
  });
  afterAll(() => reg.unregister());

  it('clones share the data, which outlives the disposed original', () => {
    const buffers = () => tf.backend().numDataIds();
    const before = buffers();
    const x = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x);
    expect(buffers() - before).toBe(1); // one buffer for both
    x.dispose();
    expect(y.shape).toEqual([2, 3]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    y.dispose();
    expect(buffers()).toBe(before);
  });

  it('keeps gradients right where tfjs saves tensors for the backward pass', () => {
    const x = tf.tensor([0.5, -1, 2, 3]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.exp(a), a)))(x);
    const want = [0.5, -1, 2, 3].map((v) => Math.exp(v) * (1 + v));
    const got = g.dataSync();
    for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(want[i], 4);
  });

  it('leaves strings to the stock kernel', () => {
    const s = tf.tensor(['a', 'bc']);
    expect(tf.clone(s).dataSync()).toEqual(['a', 'bc']);
  });
});
