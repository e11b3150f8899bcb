import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADAM_UPDATE } from './adam.js';
import { GRADR_UPDATE } from './gradr.js';
import { heapKernelsFor } from './heap-instance.js';
import { SPLIT_MIN_ELEMENTS } from './neuron-in-place.js';
import { spikingNeuron } from './neuron-op.js';
import { loadKernels } from './runtime.js';
import { firstDifference, seededUniform } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

let reg: WasmSimdRegistration | null = null;
async function register(inPlace: boolean): Promise<WasmSimdRegistration> {
  reg?.unregister();
  reg = await useWasmSimd({ inPlace });
  return reg;
}
afterEach(() => {
  reg?.unregister();
  reg = null;
});
beforeAll(async () => {
  await tf.setBackend('wasm');
});

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));

/** Runs `fn` with the in-place kernels and with the copying ones; returns both results' bits. */
async function bothPaths(fn: () => tf.Tensor[]): Promise<[number[][], number[][]]> {
  const out: number[][][] = [];
  for (const inPlace of [true, false]) {
    await register(inPlace);
    const ts = fn();
    out.push(ts.map(bits));
    tf.dispose(ts);
  }
  return [out[0], out[1]];
}

const adamAttrs = {
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  stepSize: 1e-3 / 0.1,
  sqrtBc2: Math.sqrt(1 - 0.999),
};

describe('in-heap kernels (run in tfjs-backend-wasm memory, in place)', () => {
  it('are found for the wasm backend only, and only when asked for', async () => {
    expect((await register(true)).inPlace).toBe(true);
    expect(heapKernelsFor(tf.backend())).not.toBeNull();
    expect(heapKernelsFor(tf.findBackend('cpu'))).toBeNull();
    expect((await register(false)).inPlace).toBe(false);
  });

  it('give the same bits as the copying kernels: neurons, Adam, Grad R, Greater', async () => {
    const T = 5;
    const n = 4 * 1031;
    const x = tf.tensor2d(seededUniform(T * n, 1, 1.2), [T, n]);
    const x1 = tf.tensor1d(seededUniform(n, 2, 1.5));
    const dy = tf.tensor2d(seededUniform(T * n, 3, 1), [T, n]);
    const options = { kind: 'LIF' as const, tau: 2, surrogate: 'sigmoid' as const };
    const neuron = (input: tf.Tensor, steps?: number) => {
      const s = spikingNeuron(input, options, steps);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(spikingNeuron(a, options, steps), dy)))(input);
      return [s, g];
    };
    const [inPlace, copied] = await bothPaths(() => [...neuron(x), ...neuron(x1, T)]);
    expect(inPlace).toEqual(copied);
    expect(inPlace[0].some((b) => b !== 0)).toBe(true); // some spikes

    const size = 300_003; // a tail past the SIMD width
    const [g, m, v, p, sign] = [11, 12, 13, 14, 15].map((seed) =>
      tf.tensor1d(seededUniform(size, seed, 0.5)),
    );
    const vPos = tf.abs(v);
    const signs = tf.sign(sign);
    const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) =>
      tf.engine().runKernel(name, inputs, attrs) as tf.Tensor[];
    const [adamA, adamB] = await bothPaths(() => [
      ...run(ADAM_UPDATE, { g, m, v: vPos, p }, { ...adamAttrs, mode: 'update' }),
      ...run(ADAM_UPDATE, { g, m, v: vPos }, { ...adamAttrs, mode: 'direction' }),
    ]);
    expect(firstDifference(adamA.flat(), adamB.flat())).toBe(-1);
    const [gradrA, gradrB] = await bothPaths(() =>
      run(GRADR_UPDATE, { g, sign: signs, m, v: vPos, theta: p }, { ...adamAttrs, prior: 1e-4, mu: 0 }),
    );
    expect(firstDifference(gradrA.flat(), gradrB.flat())).toBe(-1);
    expect(gradrA[4].some((b) => b !== 0)).toBe(true); // some synapses pruned or regrown
    const [gtA, gtB] = await bothPaths(() => [tf.greater(g, p), tf.greater(g, 0)]);
    expect(gtA).toEqual(gtB);
    tf.dispose([x, x1, dy, g, m, v, p, sign, vPos, signs]);
  });

  it('split large neuron layers between this thread (in place) and the workers (on copies)', async () => {
    const T = 4;
    const n = SPLIT_MIN_ELEMENTS / T + 12; // columns split unevenly between the threads
    const x = tf.tensor2d(seededUniform(T * n, 41, 1.2), [T, n]);
    const x1 = tf.tensor1d(seededUniform(n, 42, 1.5));
    const dy = tf.tensor2d(seededUniform(T * n, 43, 1), [T, n]);
    const options = { kind: 'IF' as const, surrogate: 'sigmoid' as const, detachReset: true };
    let parallelism = 0;
    const neuron = (input: tf.Tensor, steps?: number) => {
      const s = spikingNeuron(input, options, steps);
      parallelism = Math.max(parallelism, kernels.lastParallelism);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(spikingNeuron(a, options, steps), dy)))(input);
      return [s, g];
    };
    const kernels = await loadKernels({ threads: (await register(true)).threads });
    kernels.lastParallelism = 0;
    const [inPlace, copied] = await bothPaths(() => [...neuron(x), ...neuron(x1, T)]);
    if (kernels.threads > 1) expect(parallelism).toBe(kernels.threads);
    expect(firstDifference(inPlace.flat(), copied.flat())).toBe(-1);
    tf.dispose([x, x1, dy]);
  });

  it('keep working when their outputs grow tfjs memory', async () => {
    await register(true);
    const memory = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer;
    const before = memory().byteLength;
    const T = 4;
    // spikes and H, [T, n] float32 each: 2·T·4·n bytes, as many as the whole heap had, so
    // allocating them grows it
    const n = 4 * Math.ceil(before / (2 * T * 4 * 4));
    const x = tf.tensor1d(seededUniform(n, 21, 1.5));
    const s = spikingNeuron(x, { kind: 'IF' }, T);
    expect(memory().byteLength).toBeGreaterThan(before);
    const inPlace = s.dataSync();
    s.dispose();
    await register(false);
    const copied = spikingNeuron(x, { kind: 'IF' }, T);
    expect(firstDifference(Array.from(inPlace), Array.from(copied.dataSync()))).toBe(-1);
    tf.dispose([x, copied]);
  });

  it('leave no tensors and no scratch behind', async () => {
    await register(true);
    const x = tf.tensor2d(seededUniform(4 * 64, 31, 1.5), [4, 64]);
    const step = () =>
      tf
        .grad((a: tf.Tensor) => tf.sum(spikingNeuron(a, { kind: 'LIF' })))(x)
        .dispose();
    step();
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.memory().numBytes).toBe(bytes);
    x.dispose();
  });
});
