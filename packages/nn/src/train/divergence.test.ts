import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../models/zoo.js';
import { Adam } from '../optim/adam.js';
import { SGD } from '../optim/sgd.js';
import { seededArray } from '../test-utils.js';
import { DivergenceError, type ExplodedWeights } from './divergence.js';
import { type Batch, Trainer, type TrainerOptions } from './trainer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const N = 8;
const batchOf = (seed: number, poison = false): Batch => {
  const inputs = seededArray(N * 64, seed);
  if (poison) inputs[3] = Number.NaN; // one pixel of the first sample
  return { inputs, shape: [N, 1, 8, 8], labels: Array.from({ length: N }, (_, i) => (i + seed) % 10) };
};

function setup(optim: 'adam' | 'sgd', lr: number, extra: Partial<TrainerOptions> = {}) {
  const model = createModel('gradr-mnist-mlp', { seed: 1, T: 2, inputShape: [1, 8, 8] });
  const params = new Map(model.namedParameters());
  const optimizer = optim === 'adam' ? new Adam(params, { lr }) : new SGD(params, { lr });
  const trainer = new Trainer({ model, optimizer, ...extra });
  const weights = () => model.namedParameters().map(([n, v]) => [n, Array.from(v.dataSync())] as const);
  const dispose = () => {
    model.dispose();
    optimizer.dispose();
  };
  return { model, trainer, weights, dispose };
}

const caught = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as DivergenceError;
  }
  throw new Error('expected a DivergenceError');
};

describe('divergence detection', () => {
  it('NaN membranes (a NaN input pixel) are caught in the step that made them, naming the first layer', () => {
    const { trainer, dispose } = setup('adam', 1e-3);
    trainer.trainStep(batchOf(1));
    const before = tf.memory().numTensors;
    const e = caught(() => trainer.trainStep(batchOf(2, true), { epoch: 0, batchIndex: 1 }));
    expect(e).toBeInstanceOf(DivergenceError);
    // NaN potentials never spike, so the loss stays finite: the state check is what finds them
    expect(e.message).toMatch(
      /^training diverged at step 2 \(epoch 1, batch 2\): body\.1\.weight has NaN values after the update \(first layer affected; non-finite: body\.1\.weight, v\/body\.1\.weight\)$/,
    );
    expect(e.layer).toBe('body.1.weight');
    expect(tf.memory().numTensors).toBe(before); // nothing leaked on the way out
    dispose();
  });

  it('weights blown to infinity by the learning rate stop the run at step 1', () => {
    const { trainer, dispose } = setup('sgd', 1e39);
    const e = caught(() => trainer.trainStep(batchOf(1)));
    expect(e.message).toMatch(
      /^training diverged at step 1 \(epoch 1, batch 1\): body\.\d\.weight has (NaN|infinite) values/,
    );
    dispose();
  });

  it('a non-finite loss stops the step before its gradients reach the weights', () => {
    const { trainer, weights, dispose } = setup('adam', 1e-3, {
      loss: (out) => tf.mul(tf.mean(out), tf.scalar(Number.NaN)),
    });
    const before = weights();
    const e = caught(() => trainer.trainStep(batchOf(1)));
    expect(e.message).toBe('training diverged at step 1 (epoch 1, batch 1): the loss is NaN');
    expect(e.layer).toBe('loss');
    expect(weights()).toEqual(before);
    dispose();
  });

  it('values a hook writes after the update are checked too (a learner injecting NaN)', () => {
    const { model, trainer, dispose } = setup('adam', 1e-3);
    const w = model.namedParameters().find(([n]) => n === 'body.3.weight')?.[1] as tf.Variable;
    trainer.hooks.push({
      afterStep: (info) => {
        if (info.step === 3) tf.tidy(() => w.assign(tf.fill(w.shape, Number.POSITIVE_INFINITY)));
      },
    });
    trainer.trainStep(batchOf(1));
    trainer.trainStep(batchOf(2));
    const e = caught(() => trainer.trainStep(batchOf(3)));
    expect(e.message).toMatch(/at step 3 .*: body\.3\.weight has infinite values after the update/);
    expect(e.tensors).toEqual(['body.3.weight']);
    dispose();
  });

  it('warns once when weights grow past warnAbove, and training goes on', () => {
    const warnings: ExplodedWeights[] = [];
    const { trainer, dispose } = setup('adam', 5, {
      divergence: { warnAbove: 1, onWarning: (w) => warnings.push(w) },
    });
    for (let i = 0; i < 3; i++) trainer.trainStep(batchOf(i));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].maxAbs).toBeGreaterThan(1);
    expect(warnings[0].message).toMatch(
      /^weights exploded at step 1 \(epoch 1, batch 1\): max \|w\| of body\.\d\.weight is /,
    );
    dispose();
  });

  it('can be turned off', () => {
    const { trainer, dispose } = setup('adam', 1e-3, { divergence: false });
    expect(() => trainer.trainStep(batchOf(2, true))).not.toThrow();
    dispose();
  });
});

describe('epoch totals carried across an interruption', () => {
  it('an epoch split in two with `carry` reports the same metrics as the whole epoch', async () => {
    const batches = [1, 2, 3, 4].map((s) => batchOf(s));
    const whole = setup('adam', 1e-3);
    const full = await whole.trainer.trainEpoch(batches, 0);
    whole.dispose();

    const split = setup('adam', 1e-3);
    const stop = new AbortController();
    let totals = { lossSum: 0, correct: 0, samples: 0, seconds: 0, batches: 0 };
    const first = await split.trainer.trainEpoch(batches, 0, {
      signal: stop.signal,
      onBatch: (i) => {
        totals = {
          lossSum: i.lossSum,
          correct: i.correct,
          samples: i.samples,
          seconds: 0.5,
          batches: i.batchIndex + 1,
        };
        if (i.batchIndex === 1) stop.abort();
      },
    });
    expect(first.completed).toBe(false);
    const rest = await split.trainer.trainEpoch(batches.slice(2), 0, { carry: totals });
    split.dispose();
    expect(rest.trainSamples).toBe(4 * N);
    expect(rest.trainLoss).toBe(full.trainLoss);
    expect(rest.trainAccuracy).toBe(full.trainAccuracy);
    expect(rest.trainSeconds).toBeGreaterThanOrEqual(0.5);
  });
});

describe('a sum that overflows while every value is finite', () => {
  it('is an explosion warning naming the tensor, not a divergence', () => {
    const warnings: ExplodedWeights[] = [];
    const { model, trainer, dispose } = setup('sgd', 1e-9, {
      divergence: { onWarning: (w) => warnings.push(w) },
    });
    const w = model.namedParameters().find(([n]) => n === 'body.1.weight')?.[1] as tf.Variable;
    tf.tidy(() => w.assign(tf.fill(w.shape, 3e37))); // finite, but 51,200 of them sum past float32
    expect(() => trainer.trainStep(batchOf(1))).not.toThrow();
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toMatch(
      /max \|w\| of body\.1\.weight is 3\.00e\+37 \(their sum overflows float32\)/,
    );
    dispose();
  });
});
