import { readFileSync } from 'node:fs';
import path from 'node:path';
import { batches, loadDataset } from '@synaptogen/datasets/node';
import { Adam, initBackend, Trainer } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { importNirBytes } from './import.js';
import { DATA, PAPER } from './test/reference.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

it('an imported NIR network fine-tunes: one BPTT step on real N-MNIST frames moves every layer', async () => {
  const { model } = importNirBytes(new Uint8Array(readFileSync(path.join(PAPER, '02_cnn/cnn_sinabs.nir'))));
  const ds = await loadDataset('nmnist', {
    dataDir: DATA,
    split: 'train',
    limit: 4,
    timesteps: 8,
    cache: false,
  });
  const params = new Map(model.namedParameters().filter(([, v]) => v.trainable));
  const before = new Map([...params].map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
  const trainer = new Trainer({ model, optimizer: new Adam(params, { lr: 1e-3 }) });
  for await (const batch of batches(ds, { batchSize: 4, shuffle: false })) {
    expect(batch.shape).toEqual([8, 4, 2, 34, 34]);
    const r = trainer.trainStep(batch);
    expect(Number.isFinite(r.loss)).toBe(true);
  }
  for (const [name, v] of params) {
    const moved = Float32Array.from(v.dataSync()).some((x, i) => x !== before.get(name)![i]);
    expect(moved, name).toBe(true);
  }
  expect(tf.memory().numTensors).toBeLessThan(200);
  model.dispose();
});
