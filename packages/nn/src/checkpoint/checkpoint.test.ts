import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../models/zoo.js';
import { loadCheckpoint, saveCheckpoint } from '../node/checkpoint-fs.js';
import { CheckpointError, modelTensors, restoreModel } from './format.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('checkpoints', () => {
  it('round-trip a model: same weights, same outputs', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'run');
    const model = createModel('conv-small', { seed: 4, inputShape: [3, 16, 16] });
    await saveCheckpoint(dir, model.config, modelTensors(model), { note: 'x' });
    const data = await loadCheckpoint(dir);
    expect(data.manifest.meta.note).toBe('x');
    const again = restoreModel(dir, data);
    const x = tf.randomNormal([2, 3, 16, 16], 0, 1, 'float32', 1);
    expect(Array.from(again.predict(x).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
  });

  it('detect corruption and truncation, naming the checkpoint', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'run');
    const model = createModel('gradr-mnist-mlp');
    await saveCheckpoint(dir, model.config, modelTensors(model), {});
    const weights = join(dir, 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[100] ^= 0xff;
    writeFileSync(weights, bytes);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/does not match its SHA-256/);
    writeFileSync(weights, bytes.subarray(0, 1000));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/truncated or corrupt/);
    writeFileSync(join(dir, 'manifest.json'), '{ not json');
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(join(dir, 'nope'))).rejects.toThrow(/does not exist/);
  });

  it('a failed save leaves the previous checkpoint intact', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'run');
    const model = createModel('gradr-mnist-mlp', { seed: 1 });
    await saveCheckpoint(dir, model.config, modelTensors(model), { epoch: 1 });
    const before = readFileSync(join(dir, 'weights.bin'));
    const bad = new Map(modelTensors(model));
    bad.set('model/broken', {
      dtype: 'float32',
      shape: [1],
      data: () => Promise.reject(new Error('disk full')),
    } as unknown as tf.Tensor);
    await expect(saveCheckpoint(dir, model.config, bad, { epoch: 2 })).rejects.toThrow(/disk full/);
    expect(readFileSync(join(dir, 'weights.bin')).equals(before)).toBe(true);
    expect((await loadCheckpoint(dir)).manifest.meta.epoch).toBe(1);
  });

  it('refuses weights whose shapes do not fit the model', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'run');
    const model = createModel('gradr-mnist-mlp');
    const tensors = modelTensors(model);
    tensors.set('model/body.1.weight', tf.zeros([10, 10]));
    await saveCheckpoint(dir, model.config, tensors, {});
    const data = await loadCheckpoint(dir);
    expect(() => restoreModel(dir, data)).toThrow(/has shape \[10,10\], the model expects \[784,800\]/);
  });
});
