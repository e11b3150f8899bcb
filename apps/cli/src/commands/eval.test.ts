import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createModel, initBackend, modelTensors } from '@synaptogen/nn';
import { BatchNorm } from '@synaptogen/nn/layers';
import { saveCheckpoint } from '@synaptogen/nn/node';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../test-cli.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'synaptogen-cli-eval-'));
const stale = path.join(tmp, 'stale-bn');

beforeAll(async () => {
  // conv-small whose BatchNorm running statistics say nothing about its inputs (variance 10⁶: every
  // normalised value ≈ 0), as a checkpoint whose running means lag its weights, only worse
  await initBackend({ backend: 'cpu' });
  const model = createModel('conv-small', { width: 0.25, T: 2, seed: 3 });
  for (const [, m] of model.namedModules())
    if (m instanceof BatchNorm) m.runningVar.assign(tf.fill([m.numFeatures], 1e6));
  await saveCheckpoint(stale, model.config, modelTensors(model), {
    run: { options: { dataset: 'cifar10' } },
  });
  model.dispose();
});

const json = (r: ReturnType<typeof cli>) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as Record<string, number>;
};

describe('synaptogen eval --recalibrate-bn (built, run by node)', () => {
  it('recounts the BatchNorm statistics on training batches before evaluating', () => {
    const asSaved = json(cli('eval', stale, '--samples', '64', '--json', '-q'));
    const recounted = json(cli('eval', stale, '--samples', '64', '--recalibrate-bn', '2', '--json', '-q'));
    expect(asSaved.recalibratedBatches).toBeUndefined();
    expect(recounted.recalibratedBatches).toBe(2);
    expect(recounted.testSamples).toBe(64);
    // the same weights, other statistics: other predictions
    expect(recounted.testAccuracy).not.toBe(asSaved.testAccuracy);
    const again = json(cli('eval', stale, '--samples', '64', '--recalibrate-bn', '2', '--json', '-q'));
    expect(again.testAccuracy).toBe(recounted.testAccuracy); // seeded: the same recount
  }, 120_000);

  it('reads the training split as train does (CIFAR-10 with its first batch file only)', () => {
    const r = json(cli('eval', stale, '--split', 'train', '--samples', '32', '--json', '-q'));
    expect(r.testSamples).toBe(32);
  });

  it('refuses a bad count in one line', () => {
    const r = cli('eval', stale, '--recalibrate-bn', '0');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--recalibrate-bn/);
  });
});
