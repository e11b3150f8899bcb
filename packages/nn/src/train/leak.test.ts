import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { createModel } from '../models/zoo.js';
import { Adam } from '../optim/adam.js';
import { SGD } from '../optim/sgd.js';
import { seededArray } from '../test-utils.js';
import { Trainer } from './trainer.js';

describe('training steps do not leak tensors', () => {
  for (const [name, shape, opt] of [
    ['gradr-mnist-mlp', [16, 1, 28, 28], 'adam'],
    ['conv-small', [4, 3, 32, 32], 'sgd'],
  ] as const) {
    it(`${name} with ${opt}: tf.memory().numTensors after 20 steps equals that after 2`, async () => {
      await initBackend({ backend: 'wasm' });
      const model = createModel(name, { seed: 0, T: 2 });
      const params = new Map(model.namedParameters());
      const optimizer = opt === 'adam' ? new Adam(params) : new SGD(params, { lr: 0.01, momentum: 0.9 });
      const trainer = new Trainer({ model, optimizer });
      const n = shape[0];
      const batch = {
        inputs: seededArray(
          shape.reduce((a: number, b: number) => a * b, 1),
          5,
        ),
        shape,
        labels: Array.from({ length: n }, (_, i) => i % 10),
      };
      for (let i = 0; i < 2; i++) trainer.trainStep(batch);
      const after2 = tf.memory().numTensors;
      for (let i = 0; i < 18; i++) trainer.trainStep(batch);
      expect(tf.memory().numTensors).toBe(after2);
      await trainer.evaluate([batch]);
      trainer.trainStep(batch);
      expect(tf.memory().numTensors).toBe(after2);
      model.dispose();
      optimizer.dispose();
    });
  }
});
