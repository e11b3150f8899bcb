import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createModel, initBackend, modelTensors } from '@synaptogen/nn';
import { saveCheckpoint } from '@synaptogen/nn/node';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../test-cli.js';

// The built CLI as a plain Node process (DESIGN.md: vitest's tfjs set-up differs from node's).
const tmp = mkdtempSync(path.join(tmpdir(), 'synaptogen-cli-cost-'));

const dense = path.join(tmp, 'dense');
const pruned = path.join(tmp, 'pruned');

beforeAll(async () => {
  // Two checkpoints as `train --out` writes them: the same MLP, dense and with 90% of its synapses removed.
  await initBackend({ backend: 'cpu' });
  const model = createModel('gradr-mnist-mlp', { seed: 4 });
  const meta = { run: { options: { dataset: 'mnist' } } };
  await saveCheckpoint(dense, model.config, modelTensors(model), meta);
  for (const [, w] of model.prunableWeights()) {
    tf.tidy(() =>
      w.assign(tf.mul(w, tf.cast(tf.less(tf.randomUniform(w.shape, 0, 1, 'float32', 7), 0.1), 'float32'))),
    );
  }
  await saveCheckpoint(pruned, model.config, modelTensors(model), meta);
  model.dispose();
});

describe('synaptogen cost (built, run by node)', () => {
  it('prints one JSON line with the cost fields, measured on real MNIST test samples', () => {
    const r = cli('cost', dense, '--samples', '100', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const s = JSON.parse(lines[0]);
    for (const k of ['denseMACs', 'effectiveACs', 'effectiveMACs', 'energyPicojoules', 'cores', 'chips'])
      expect(typeof s[k], k).toBe('number');
    expect(s.denseMACs).toBe(784 * 800 + 800 * 10);
    // MNIST digits cover about a fifth of the image: effective MACs of the first layer are well below dense
    expect(s.effectiveMACs / (784 * 800)).toBeGreaterThan(0.1);
    expect(s.effectiveMACs / (784 * 800)).toBeLessThan(0.3);
    expect(s.energy).toHaveProperty('45nm-int8-sram');
    expect(s).toMatchObject({ chip: 'loihi', cores: 7, chips: 1, connectionSparsity: 0 });
    expect(r.stderr).toMatch(/measuring spikes of gradr-mnist-mlp on 100 mnist test samples/);
  });

  it('compares dense and pruned side by side, and saves the measured profiles', () => {
    const profiles = path.join(tmp, 'profiles');
    const jsonOut = path.join(tmp, 'cost.json');
    const r = cli(
      'cost',
      dense,
      pruned,
      '--samples',
      '100',
      '--save-profiles',
      profiles,
      '--fit-cores',
      '2',
      '--json-out',
      jsonOut,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/per sample\s+dense\s+pruned\s+saving/);
    expect(r.stdout).toMatch(/effective MACs .* 9\d\.\d% \(/);
    expect(r.stdout).toMatch(/loihi cores\s+7\s+\d+/);
    expect(r.stderr).toMatch(/to fit 2 loihi cores \(now 7\), keep the largest/);
    const json = JSON.parse(cli('cost', dense, pruned, '--samples', '100', '--json', '-q').stdout);
    expect(json.a.label).toBe('dense');
    expect(JSON.parse(readFileSync(jsonOut, 'utf8'))).toEqual(json);
    expect(json.b.connectionSparsity).toBeGreaterThan(0.85);
    expect(json.savings.effectiveMACs).toBeGreaterThan(0.85);
    expect(json.b.cores).toBeLessThan(json.a.cores);
    // a saved profile is accepted in place of a checkpoint and gives the same figures
    const again = JSON.parse(cli('cost', path.join(profiles, 'pruned.profile.json'), '--json', '-q').stdout);
    expect(again.effectiveMACs).toBe(json.b.effectiveMACs);
    expect(again.effectiveACs).toBe(json.b.effectiveACs);
    expect(again.cores).toBe(json.b.cores);
  });

  it('rejects bad input with a one-line error naming what was wrong', () => {
    const notJson = path.join(tmp, 'broken.json');
    writeFileSync(notJson, '{"version": 1, "timeSteps": 8');
    const cases: Array<[string[], RegExp]> = [
      [['cost', path.join(tmp, 'nope')], /nope.*does not exist/],
      [['cost', dense, '--chip', 'loihi3'], /loihi3/],
      [['cost', dense, '--preset', '45nm-fp64'], /45nm-fp64/],
      [['cost', dense, '--samples', 'many'], /--samples expects a positive integer, got "many"/],
      [['cost', dense, '--dataset', 'cifar10', '--samples', '10'], /expects \[1, 28, 28\].*--dataset/],
      [['cost', notJson], /broken\.json: not valid JSON/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
      const lines = r.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('(run with') && !l.includes('measuring spikes'));
      expect(lines, args.join(' ')).toHaveLength(1);
    }
    expect(readFileSync(path.join(dense, 'manifest.json'), 'utf8')).toMatch(/gradr-mnist-mlp/);
  });
});
