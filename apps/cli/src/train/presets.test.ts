import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../test-cli.js';

describe('train --preset (built CLI, real CIFAR-10 files)', () => {
  it('sets the paper set-up under the flags given, and names the presets when unknown', () => {
    const unknown = cli('train', '--preset', 'vgg-please');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe(
      'synaptogen: --preset: unknown preset "vgg-please"; expected one of: sca-paper, sca-paper-2core',
    );

    const out = join(mkdtempSync(join(tmpdir(), 'synaptogen-preset-')), 'run');
    const r = cli(
      ...['train', '--preset', 'sca-paper-2core', '--epochs', '1', '--train-limit', '64'],
      ...['--test-limit', '64', '--width', '0.25', '--timesteps', '1', '--json', '--quiet', '--out', out],
    );
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(summary).toMatchObject({ dataset: 'cifar10', model: 'conv-small', learner: 'sca', epochs: 1 });
    expect(summary.learnerOptions).toMatchObject({ sparsity: 0.7, regrow: 0.1 });
    const options = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).meta.run.options;
    // the preset's optimizer and penalty; the command line's limits, width and T
    expect(options).toMatchObject({ optimizer: 'sgd', lr: 0.05, momentum: 0.9, l1: 3e-5, batchSize: 64 });
    expect(options).toMatchObject({ trainLimit: 64, width: 0.25, timesteps: 1, augment: true });
  });

  it('gives the dense baseline of the same set-up with --learner dense (the SCA options stay out)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'synaptogen-preset-')), 'run');
    const r = cli(
      ...['train', '--preset', 'sca-paper-2core', '--learner', 'dense', '--epochs', '1'],
      ...[
        '--train-limit',
        '64',
        '--test-limit',
        '64',
        '--width',
        '0.25',
        '--timesteps',
        '1',
        '--json',
        '--quiet',
        '--out',
        out,
      ],
    );
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    expect(summary).toMatchObject({ model: 'conv-small', learner: 'dense', learnerOptions: {} });
    const options = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).meta.run.options;
    expect(options).toMatchObject({ optimizer: 'sgd', lr: 0.05, l1: 3e-5, batchSize: 64 });
    expect(options.sparsity).toBeUndefined();
  });
});
