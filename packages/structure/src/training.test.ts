import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { batches, loadDataset } from '@synaptogen/datasets/node';
import { Adam, type Batch, createModel, initBackend, type SpikingModel } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import './builtins.js';
import { measureConnectivity } from './connectivity.js';
import type { StructureLearner } from './contract.js';
import { createLearner } from './registry.js';
import { TrainingSession } from './session.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const dataRoot = process.env.SYNAPTOGEN_DATA ?? path.resolve(repoRoot, '../shared/data');

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Host wiring as the CLI does it: the one host, TrainingSession. */
function setup(model: SpikingModel, learner: StructureLearner, lr = 1e-3, totalSteps = 100) {
  const session = new TrainingSession({
    model,
    learner,
    optimizer: (params) => new Adam(params, { lr }),
    lr,
    totalSteps,
  });
  return { optimizer: session.optimizer, trainer: session.trainer };
}

function syntheticBatch(n: number, features: number): Batch {
  const inputs = new Float32Array(n * features);
  for (let i = 0; i < inputs.length; i++) inputs[i] = ((i * 7919) % 101) / 100;
  return { inputs, shape: [n, 1, 8, 8], labels: Array.from({ length: n }, (_, i) => i % 10) };
}

describe('learners in a training loop', () => {
  for (const [name, options] of [
    ['gradr', { alpha: 0.1 }],
    ['deepr', { targetSparsity: 0.9, seed: 1 }],
    ['soft-deepr', { temperature: 1e-4, seed: 1 }],
    ['magnitude', { targetSparsity: 0.5, frequency: 5 }],
  ] as const) {
    it(`${name}: no tensor leaks over 20 steps, report and state included`, async () => {
      const model = createModel('gradr-mnist-mlp', { inputShape: [1, 8, 8], T: 2, seed: 0 });
      const learner = createLearner(name, options);
      const { optimizer, trainer } = setup(model, learner, 1e-3, 20);
      const batch = syntheticBatch(16, 64);
      for (let i = 0; i < 2; i++) trainer.trainStep(batch);
      learner.report();
      learner.getState();
      const after2 = tf.memory().numTensors;
      for (let i = 0; i < 18; i++) trainer.trainStep(batch);
      learner.report();
      learner.getState();
      expect(tf.memory().numTensors).toBe(after2);
      // what the learner reports is what the model's weights say
      const r = learner.report();
      const measured = measureConnectivity(model.prunableWeights());
      expect(r.connectivity).toBeCloseTo(measured.connectivity, 12);
      learner.dispose();
      optimizer.dispose();
      model.dispose();
    });
  }

  it('Grad R on conv-small with real CIFAR-10 images: every conv and linear weight pruned, BN on plain Adam', async () => {
    const test = await loadDataset('cifar10', { dataDir: dataRoot, split: 'test', limit: 32 });
    const model = createModel('conv-small', { width: 0.25, T: 2, seed: 0 });
    const learner = createLearner('gradr', { alpha: 2, targetSparsity: 0.95 });
    const { optimizer, trainer } = setup(model, learner, 1e-3);
    const prunable = model.prunableWeights().map(([n]) => n);
    expect(prunable).toHaveLength(4); // 3 convs (the first included) and the last Linear
    expect([...optimizer.params.keys()].some((n) => prunable.includes(n))).toBe(false);
    const bn = [...optimizer.params.entries()].find(([n]) => /weight|gamma/.test(n));
    expect(bn, 'a BatchNorm scale in the main optimizer').toBeDefined();
    const bnBefore = Array.from(bn![1].dataSync());
    learner.report();
    for await (const batch of batches(test, { batchSize: 16, seed: 0, normalize: true }))
      trainer.trainStep(batch as Batch);
    const r = learner.report();
    expect(Object.keys(r.perLayer)).toEqual(prunable);
    for (const [name, w] of model.prunableWeights()) {
      const layer = r.perLayer[name];
      expect(layer.total).toBe(w.size);
      // α = 2: the prior removes 2·η_t per step, more than many of the smallest |w₀|
      expect(layer.connectivity, name).toBeLessThan(1);
      expect(layer.connectivity, name).toBeGreaterThan(0);
    }
    expect(r.pruned).toBeGreaterThan(0);
    expect(r.connectivity).toBeCloseTo(measureConnectivity(model.prunableWeights()).connectivity, 12);
    expect(Array.from(bn![1].dataSync())).not.toEqual(bnBefore);
    learner.dispose();
    optimizer.dispose();
    model.dispose();
  });
});
