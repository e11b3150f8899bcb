import { Adam, createModel, initBackend, SGD } from '@synaptogen/nn';
import { encodeCheckpoint } from '@synaptogen/nn/checkpoint';
import type { Optimizer } from '@synaptogen/nn/optim';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import './builtins.js';
import { createLearner } from './registry.js';
import { attachLearner, TrainingSession } from './session.js';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const batch = () => ({
  inputs: Float32Array.from({ length: 4 * 784 }, (_, i) => ((i * 7919) % 101) / 100),
  shape: [4, 1, 28, 28],
  labels: [1, 2, 3, 4],
});

describe('attachLearner: the one host of a structure learner', () => {
  it('builds the optimizer over the trainable parameters the learner does not own, then hands it over', () => {
    const model = createModel('gradr-mnist-mlp', { seed: 0 });
    const learner = createLearner('gradr', { alpha: 0.1 });
    let given: Optimizer | null = null;
    learner.setOptimizer = (o) => {
      given = o;
    };
    let seen: string[] = [];
    const optimizer = attachLearner(
      model,
      learner,
      (params) => {
        seen = [...params.keys()];
        return new Adam(params, { lr: 1e-3 });
      },
      { lr: 1e-3 },
    );
    // Grad R owns both weight matrices: the main optimizer gets none of them
    const owned = [...(learner.ownedParameters?.() ?? [])];
    expect(owned.sort()).toEqual(['body.1.weight', 'body.3.weight']);
    expect(seen.filter((n) => owned.includes(n))).toEqual([]);
    expect(given).toBe(optimizer);
    optimizer.dispose();
    learner.dispose();
    model.dispose();
  });

  it('releases the learner when the optimizer cannot be built', () => {
    const model = createModel('gradr-mnist-mlp', { seed: 0 });
    const learner = createLearner('gradr', { alpha: 0.1 });
    let disposed = false;
    const dispose = learner.dispose.bind(learner);
    learner.dispose = () => {
      disposed = true;
      dispose();
    };
    expect(() =>
      attachLearner(
        model,
        learner,
        () => {
          throw new Error('no optimizer');
        },
        { lr: 1e-3 },
      ),
    ).toThrow('no optimizer');
    expect(disposed).toBe(true);
    model.dispose();
  });
});

describe('TrainingSession', () => {
  it('trains, and a session restored from its snapshot continues exactly like the original', async () => {
    const make = () =>
      new TrainingSession({
        model: createModel('gradr-mnist-mlp', { seed: 3 }),
        learner: createLearner('gradr', { alpha: 0.1, targetSparsity: 0.9 }),
        optimizer: (params) => new SGD(params, { lr: 0.05, momentum: 0.9 }),
        lr: 1e-3,
        seed: 3,
      });
    const a = make();
    for (let i = 0; i < 3; i++) a.trainer.trainStep(batch());
    const { tensors, meta } = a.snapshot();
    const { manifest, data } = await encodeCheckpoint(a.model.config, tensors, meta as never);
    const { decodeCheckpoint, restoreModel } = await import('@synaptogen/nn/checkpoint');
    const saved = decodeCheckpoint('mem', manifest, data);
    const b = new TrainingSession({
      model: restoreModel('mem', saved),
      learner: createLearner('gradr', { alpha: 0.1, targetSparsity: 0.9 }),
      optimizer: (params) => new SGD(params, { lr: 0.05, momentum: 0.9 }),
      lr: 1e-3,
      seed: 3,
    });
    b.restore(saved, 'mem');
    tf.dispose([...saved.tensors.values()]);
    const la = a.trainer.trainStep(batch()).loss;
    const lb = b.trainer.trainStep(batch()).loss;
    expect(lb).toBe(la);
    const wa = a.model.prunableWeights().map(([, v]) => Array.from(v.dataSync()));
    const wb = b.model.prunableWeights().map(([, v]) => Array.from(v.dataSync()));
    expect(wb).toEqual(wa);
    expect(b.learner.report().connectivity).toBe(a.learner.report().connectivity);
    a.dispose();
    b.dispose();
  });

  it('refuses a checkpoint of another learner, naming both', async () => {
    const s = new TrainingSession({
      model: createModel('gradr-mnist-mlp', { seed: 0 }),
      learner: createLearner('gradr', { alpha: 0.1 }),
      optimizer: (params) => new Adam(params, { lr: 1e-3 }),
      lr: 1e-3,
    });
    const { tensors, meta } = s.snapshot();
    const { manifest, data } = await encodeCheckpoint(s.model.config, tensors, {
      ...meta,
      learner: { ...meta.learner, name: 'deepr' },
    } as never);
    const { decodeCheckpoint } = await import('@synaptogen/nn/checkpoint');
    const saved = decodeCheckpoint('runs/x', manifest, data);
    expect(() => s.restore(saved, 'runs/x')).toThrow(
      'checkpoint runs/x: was trained with learner "deepr", not "gradr"',
    );
    tf.dispose([...saved.tensors.values()]);
    s.dispose();
  });

  it('defaults to Dense, and a session that trained and was disposed leaves no tensors behind', () => {
    const cycle = () => {
      const s = new TrainingSession({
        model: createModel('gradr-mnist-mlp', { seed: 0 }),
        optimizer: (params) => new Adam(params, { lr: 1e-3 }),
        lr: 1e-3,
      });
      expect(s.learner.name).toBe('dense');
      s.trainer.trainStep(batch());
      s.trainer.trainStep(batch());
      s.dispose();
    };
    cycle(); // first use: tfjs-core caches a few constants for good
    const before = tf.memory().numTensors;
    cycle();
    expect(tf.memory().numTensors).toBe(before);
  });
});
