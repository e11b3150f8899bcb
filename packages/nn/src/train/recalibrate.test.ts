import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { BatchNorm } from '../layers/batchnorm.js';
import { createModel } from '../models/zoo.js';
import { SGD } from '../optim/sgd.js';
import { recalibrateBatchNorm } from './recalibrate.js';
import { type Batch, Trainer } from './trainer.js';

const DATA = resolve(process.env.SYNAPTOGEN_DATA ?? join(__dirname, '../../../../../shared/data'));

/** `count` real CIFAR-10 training images from `first` (binary records: label, 3072 bytes CHW), scaled to [0, 1]. */
function cifarBatch(first: number, count: number): Batch {
  const file = readFileSync(join(DATA, 'cifar10/cifar-10-batches-bin/data_batch_1.bin'));
  const inputs = new Float32Array(count * 3072);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = (first + i) * 3073;
    labels.push(file[at]);
    for (let j = 0; j < 3072; j++) inputs[i * 3072 + j] = file[at + 1 + j] / 255;
  }
  return { inputs, shape: [count, 3, 32, 32], labels };
}

const statsOf = (bn: BatchNorm) => [bn.runningMean.dataSync().slice(), bn.runningVar.dataSync().slice()];

describe('recalibrateBatchNorm (real CIFAR-10 images)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('sets the running statistics to the plain mean over the batches, leaving the weights alone', async () => {
    const model = createModel('conv-small', { width: 0.25, T: 2, seed: 1 });
    const norms = model.namedModules().flatMap(([, m]) => (m instanceof BatchNorm ? [m] : []));
    expect(norms.length).toBe(3);
    const a = cifarBatch(0, 16);
    const b = cifarBatch(16, 16);
    // one batch: its own statistics, whatever was there before
    for (const bn of norms) bn.runningMean.assign(tf.fill([bn.numFeatures], 7));
    expect(await recalibrateBatchNorm(model, [a], 5)).toBe(1);
    const onlyA = norms.map(statsOf);
    expect(await recalibrateBatchNorm(model, [b], 5)).toBe(1);
    const onlyB = norms.map(statsOf);
    const weights = model.namedParameters().map(([, v]) => v.dataSync().slice());
    // two batches: the mean of the two (an exponential average with momentum 0.1 would not be)
    expect(await recalibrateBatchNorm(model, [a, b, a], 2)).toBe(2);
    norms.forEach((bn, l) => {
      const [mean, variance] = statsOf(bn);
      for (let c = 0; c < bn.numFeatures; c++) {
        expect(mean[c]).toBeCloseTo((onlyA[l][0][c] + onlyB[l][0][c]) / 2, 5);
        expect(variance[c]).toBeCloseTo((onlyA[l][1][c] + onlyB[l][1][c]) / 2, 5);
      }
      expect(onlyA[l][0].some((v, c) => Math.abs(v - onlyB[l][0][c]) > 1e-4)).toBe(true);
    });
    for (const [i, [, v]] of model.namedParameters().entries()) expect(v.dataSync()).toEqual(weights[i]);
    expect(model.training).toBe(true);
    // afterwards a training forward updates them with the layer's momentum (0.1) again
    await recalibrateBatchNorm(model, [b], 1);
    tf.tidy(() => {
      model.forward(tf.tensor(a.inputs, [...a.shape]), { training: true });
    });
    const [ema] = statsOf(norms[0]);
    for (let c = 0; c < norms[0].numFeatures; c++)
      expect(ema[c]).toBeCloseTo(0.9 * onlyB[0][0][c] + 0.1 * onlyA[0][0][c], 5);
    model.dispose();
  });
});

describe("fit's recalibrate.every", () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  /** Two epochs of one batch each; the recount source counts how often it is read. */
  async function fitTwoEpochs(every?: 'structure-change' | 'epoch') {
    const model = createModel('conv-small', { width: 0.25, T: 2, seed: 1 });
    const trainer = new Trainer({
      model,
      optimizer: new SGD(new Map(model.namedParameters()), { lr: 0.01 }),
    });
    const batch = cifarBatch(0, 8);
    const reads: number[] = [];
    const history = await trainer.fit({
      train: () => [batch],
      test: () => [cifarBatch(8, 8)],
      epochs: 2,
      recalibrate: {
        batches: 1,
        every,
        source: (epoch) => {
          reads.push(epoch);
          return [cifarBatch(16, 8)];
        },
      },
    });
    model.dispose();
    return { reads, recounted: history.map((m) => m.recalibratedBatches) };
  }

  it("recounts after every epoch with 'epoch', only after structure changes by default", async () => {
    expect(await fitTwoEpochs('epoch')).toEqual({ reads: [0, 1], recounted: [1, 1] });
    // no hook changes the structure here
    expect(await fitTwoEpochs()).toEqual({ reads: [], recounted: [undefined, undefined] });
  });
});
