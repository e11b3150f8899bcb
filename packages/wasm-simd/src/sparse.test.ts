import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spikingNeuron } from './neuron-op.js';
import type { NeuronOptions } from './neurons.js';
import { compile, modelToSparseNetwork, type SparseLayer, type SparseNetwork } from './sparse.js';
import { seededMulberry } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

/** Random weights with about `density` of them nonzero (the rest pruned to exactly 0). */
function sparseWeights(
  inF: number,
  outF: number,
  density: number,
  scale: number,
  seed: number,
): Float32Array {
  const w = seededMulberry(inF * outF, seed, -scale, scale);
  const keep = seededMulberry(inF * outF, seed + 1, 0, 1);
  for (let i = 0; i < w.length; i++) if (keep[i] >= density) w[i] = 0;
  return w;
}

/** Analog input with ~40% exact zeros, like MNIST pixels. */
function input(count: number, features: number, seed: number): Float32Array {
  const x = seededMulberry(count * features, seed, -0.6, 1);
  for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0;
  return x;
}

/** The tfjs forward pass of the same net: matMul per layer, the fused neuron op over [T, N, F]. */
function tfjsForward(net: SparseNetwork, x: Float32Array, count: number): Float32Array {
  return tf.tidy(() => {
    let cur: tf.Tensor = tf.tensor2d(x, [count, (net.layers[0] as { inFeatures: number }).inFeatures]);
    let temporal = false;
    for (const l of net.layers) {
      if (l.kind === 'Linear') {
        const w = tf.tensor2d(l.weight, [l.inFeatures, l.outFeatures]);
        const flat = temporal ? tf.reshape(cur, [net.T * count, l.inFeatures]) : cur;
        let y = tf.matMul(flat as tf.Tensor2D, w);
        if (l.bias) y = tf.add(y, tf.tensor1d(l.bias));
        cur = temporal ? tf.reshape(y, [net.T, count, l.outFeatures]) : y;
      } else {
        const seq = temporal ? cur : tf.tile(tf.expandDims(cur, 0), [net.T, 1, 1]);
        const options: NeuronOptions = {
          kind: l.type,
          tau: l.tau,
          decayInput: l.decayInput,
          vThreshold: l.vThreshold,
          vReset: l.vReset,
        };
        cur = spikingNeuron(seq, options);
        temporal = true;
      }
    }
    return (temporal ? tf.mean(cur, 0) : cur).dataSync() as Float32Array;
  });
}

let reg: WasmSimdRegistration;
beforeAll(async () => {
  await tf.setBackend('wasm');
  reg = await useWasmSimd();
});
afterAll(() => reg.unregister());

const mlp = (density: number, seed: number): SparseLayer[] => [
  { kind: 'Linear', inFeatures: 196, outFeatures: 120, weight: sparseWeights(196, 120, density, 1, seed) },
  { kind: 'Neuron', type: 'LIF', size: 120, tau: 2 },
  {
    kind: 'Linear',
    inFeatures: 120,
    outFeatures: 10,
    weight: sparseWeights(120, 10, density * 4, 1.5, seed + 7),
  },
  { kind: 'Neuron', type: 'LIF', size: 10, tau: 2 },
];

describe('event-driven sparse engine', () => {
  it('equals the tfjs forward pass (LIF MLP at 5% connectivity, rates)', async () => {
    const net: SparseNetwork = { T: 8, layers: mlp(0.05, 11) };
    const count = 96;
    const x = input(count, 196, 3);
    const engine = await compile(net, { threads: 2 });
    expect(engine.layers[0].density).toBeGreaterThan(0.03);
    expect(engine.layers[0].density).toBeLessThan(0.07);
    const ours = engine.run(x);
    const ref = tfjsForward(net, x, count);
    expect(ours.length).toBe(count * 10);
    // the layers must actually fire for the comparison to mean something
    expect(ref.some((v) => v > 0)).toBe(true);
    expect(Array.from(ours)).toEqual(Array.from(ref));
    engine.dispose();
    expect(() => engine.run(x)).toThrow(/disposed/);
  });

  it('equals tfjs for IF soft reset, LIF without decay_input, biases and a Linear read-out', async () => {
    const net: SparseNetwork = {
      T: 5,
      layers: [
        {
          kind: 'Linear',
          inFeatures: 64,
          outFeatures: 48,
          weight: sparseWeights(64, 48, 0.2, 0.8, 5),
          bias: seededMulberry(48, 9, -0.2, 0.3),
        },
        { kind: 'Neuron', type: 'IF', size: 48, vReset: null, vThreshold: 0.7 },
        { kind: 'Linear', inFeatures: 48, outFeatures: 32, weight: sparseWeights(48, 32, 0.3, 1, 6) },
        { kind: 'Neuron', type: 'LIF', size: 32, tau: 3, decayInput: false, vReset: 0.1 },
        {
          kind: 'Linear',
          inFeatures: 32,
          outFeatures: 6,
          weight: sparseWeights(32, 6, 0.5, 1, 8),
          bias: seededMulberry(6, 10, -0.1, 0.1),
        },
      ],
    };
    const count = 40;
    const x = input(count, 64, 4);
    const engine = await compile(net, { threads: 1 });
    const ours = engine.run(x);
    const ref = tfjsForward(net, x, count);
    // Mean over T of analog logits: the summation order of tfjs' Mean may differ in the last bit.
    for (let i = 0; i < ref.length; i++) expect(ours[i]).toBeCloseTo(ref[i], 5);
    engine.dispose();
  });

  it('one and two threads give the same outputs', async () => {
    const net: SparseNetwork = { T: 4, layers: mlp(0.1, 21) };
    const x = input(64, 196, 8);
    const e1 = await compile(net, { threads: 1 });
    const e2 = await compile(net, { threads: 2 });
    expect(e2.threads).toBe(2);
    expect(Array.from(e2.run(x))).toEqual(Array.from(e1.run(x)));
    e1.dispose();
    e2.dispose();
  });

  it('reads an nn-style model (duck-typed layers) and rejects what it cannot run', async () => {
    const w1 = tf.tensor2d(sparseWeights(196, 120, 0.05, 1, 11), [196, 120]);
    const w2 = tf.tensor2d(sparseWeights(120, 10, 0.2, 1.5, 18), [120, 10]);
    const model = {
      config: { T: 8, name: 'tiny' },
      body: {
        layers: [
          { kind: 'Flatten' },
          { kind: 'Linear', weight: w1, bias: null },
          { kind: 'Neuron', spec: { type: 'LIF', tau: 2, vThreshold: 1, vReset: 0 } },
          { kind: 'Linear', weight: w2, bias: null },
          { kind: 'Neuron', spec: { type: 'LIF', tau: 2 } },
        ],
      },
    };
    const net = modelToSparseNetwork(model);
    expect(net.layers.map((l) => l.kind)).toEqual(['Linear', 'Neuron', 'Linear', 'Neuron']);
    const engine = await compile(model, { threads: 1 });
    const x = input(16, 196, 2);
    expect(Array.from(engine.run(x))).toEqual(Array.from(tfjsForward(net, x, 16)));
    expect(() => engine.run(new Float32Array(10))).toThrow(/\[count, 196\]/);
    engine.dispose();

    const conv = { config: { T: 4, name: 'convnet' }, body: { layers: [{ kind: 'Conv2d' }] } };
    expect(() => modelToSparseNetwork(conv)).toThrow(/layer 0 \(Conv2d\) is not supported/);
    const plif = {
      config: { T: 4 },
      body: {
        layers: [
          { kind: 'Linear', weight: w1 },
          { kind: 'Neuron', spec: { type: 'PLIF' } },
        ],
      },
    };
    expect(() => modelToSparseNetwork(plif)).toThrow(/PLIF neuron/);
    tf.dispose([w1, w2]);
  });

  it('rejects inconsistent networks with the layer named', async () => {
    const bad: SparseNetwork = {
      T: 4,
      layers: [
        { kind: 'Linear', inFeatures: 4, outFeatures: 3, weight: new Float32Array(12) },
        { kind: 'Neuron', type: 'IF', size: 3 },
        { kind: 'Linear', inFeatures: 5, outFeatures: 2, weight: new Float32Array(10) },
      ],
    };
    await expect(compile(bad)).rejects.toThrow(
      /layer 2 \(Linear\) takes 5 features, the layer before gives 3/,
    );
    await expect(compile({ T: 0, layers: bad.layers })).rejects.toThrow(/T must be a positive integer/);
    await expect(compile({ T: 2, layers: [bad.layers[0]] })).rejects.toThrow(/no spiking neuron layer/);
  });
});
