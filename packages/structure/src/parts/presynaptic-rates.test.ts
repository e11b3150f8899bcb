import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { batches, loadDataset } from '@synaptogen/datasets/node';
import { Adam, type Batch, createModel, initBackend, Trainer } from '@synaptogen/nn';
import type { Neuron } from '@synaptogen/nn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PresynapticRates } from './presynaptic-rates.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const dataRoot = process.env.SYNAPTOGEN_DATA ?? path.resolve(repoRoot, '../shared/data');

let mnist: Batch[];
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  const test = await loadDataset('mnist', { dataDir: dataRoot, split: 'test', limit: 48 });
  mnist = [];
  for await (const b of batches(test, { batchSize: 16, seed: 0, normalize: true })) mnist.push(b);
});

describe('PresynapticRates', () => {
  it('averages the spikes of the neurons that feed each weight over training steps only', () => {
    const model = createModel('gradr-mnist-mlp', { T: 4, seed: 0 });
    const rates = new PresynapticRates(model);
    // body.1 reads pixels (after a Flatten), body.3 reads the spikes of body.2
    expect(rates.weights).toEqual(['body.3.weight']);
    expect(rates.of('body.1.weight')).toBeUndefined();
    // the same spikes, summed here on the host
    const neuron = model.body.layers[2] as Neuron;
    const sum = new Float64Array(800);
    let records = 0;
    const stop = neuron.node.observe(({ spike }) => {
      const s = spike.dataSync();
      const n = spike.shape[0] as number;
      for (let i = 0; i < s.length; i++) sum[i % 800] += s[i] / n;
      records++;
    });
    const optimizer = new Adam(new Map(model.namedParameters()), { lr: 1e-3 });
    const trainer = new Trainer({ model, optimizer });
    trainer.trainStep(mnist[0]);
    trainer.trainStep(mnist[1]);
    expect(records).toBe(8); // 2 steps × T
    stop();
    // evaluation does not count
    tf.dispose(model.predict(tf.tensor(mnist[2].inputs, [...mnist[2].shape])));
    const rate = tf.tidy(() => (rates.of('body.3.weight') as tf.Tensor).dataSync());
    const expected = Array.from(sum, (x) => x / records);
    expect(expected.some((r) => r > 0)).toBe(true);
    const worst = Math.max(...Array.from(rate, (r, i) => Math.abs(r - expected[i])));
    expect(worst).toBeLessThan(1e-6);

    // the state restores into another copy of the model; reset forgets
    const other = createModel('gradr-mnist-mlp', { T: 4, seed: 1 });
    const restored = new PresynapticRates(other);
    restored.setState(rates.getState());
    const again = tf.tidy(
      () => tf.reshape(restored.of('body.3.weight') as tf.Tensor, [-1]).arraySync() as number[],
    );
    expect(again).toEqual(Array.from(rate));
    restored.reset();
    expect(tf.tidy(() => tf.max(restored.of('body.3.weight') as tf.Tensor).dataSync()[0])).toBe(0);
    expect(() => restored.setState(new Map())).toThrow(
      /PresynapticRates: the saved state has no rates for body\.3\.weight/,
    );
    restored.dispose();
    other.dispose();

    // watching costs no tensor per step; disposing frees its two variables
    const steady = tf.memory().numTensors;
    trainer.trainStep(mnist[2]);
    expect(tf.memory().numTensors).toBe(steady);
    rates.dispose();
    expect(tf.memory().numTensors).toBe(steady - 2);
    optimizer.dispose();
    model.dispose();
  });
});
