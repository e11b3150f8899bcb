import { Adam, type Batch, createModel, DivergenceError, initBackend } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import './builtins.js';
import { createLearner } from './registry.js';
import { TrainingSession } from './session.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const batch = (seed: number): Batch => {
  const inputs = new Float32Array(8 * 64);
  for (let i = 0; i < inputs.length; i++) inputs[i] = ((i * 7919 + seed * 104729) % 1000) / 1000;
  return { inputs, shape: [8, 1, 8, 8], labels: Array.from({ length: 8 }, (_, i) => (i + seed) % 10) };
};

const gradrSession = () =>
  new TrainingSession({
    model: createModel('gradr-mnist-mlp', { T: 2, seed: 0, inputShape: [1, 8, 8] }),
    learner: createLearner('gradr', { alpha: 0.1 }),
    optimizer: (p) => new Adam(p, { lr: 1e-3 }),
    lr: 1e-3,
  });

describe("TrainingSession's divergence check (issue 16)", () => {
  it('Grad R: θ = −∞ hides behind w = s·ReLU(θ) = 0, and is still caught in its step', () => {
    const s = gradrSession();
    const thetaOf = () =>
      [...(s.learner.divergenceTensors?.() ?? [])].find(([n]) => n === 'theta/body.3.weight')?.[1];
    s.trainer.hooks.push({
      afterStep: (info) => {
        if (info.step !== 2) return;
        const t = thetaOf() as tf.Variable;
        tf.tidy(() => t.assign(tf.fill(t.shape, Number.NEGATIVE_INFINITY)));
      },
    });
    s.trainer.trainStep(batch(1));
    let err: unknown;
    try {
      s.trainer.trainStep(batch(2), { epoch: 0, batchIndex: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergenceError);
    expect((err as Error).message).toMatch(
      /^training diverged at step 2 \(epoch 1, batch 2\): body\.3\.weight has infinite values after the update \(first layer affected; non-finite: learner\/theta\/body\.3\.weight\)$/,
    );
    s.dispose();
  });

  it("reads Grad R's θ and v instead of the weights it owns; a dense run's weights and Adam's v", () => {
    const checkedNames = (s: TrainingSession) => {
      s.trainer.trainStep(batch(1));
      const names = [...s.divergenceTensors()].map(([n]) => n);
      s.dispose();
      return names;
    };
    expect(checkedNames(gradrSession())).toEqual([
      'learner/theta/body.1.weight',
      'learner/theta/body.3.weight',
      'learner/adam/v/body.1.weight',
      'learner/adam/v/body.3.weight',
    ]);
    const dense = new TrainingSession({
      model: createModel('gradr-mnist-mlp', { T: 2, seed: 0, inputShape: [1, 8, 8] }),
      optimizer: (p) => new Adam(p, { lr: 1e-3 }),
      lr: 1e-3,
    });
    expect(checkedNames(dense)).toEqual([
      'body.1.weight',
      'body.3.weight',
      'optimizer/v/body.1.weight',
      'optimizer/v/body.3.weight',
    ]);
  });
});
