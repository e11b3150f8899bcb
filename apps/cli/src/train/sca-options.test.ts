import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, summaryOf } from './test-run-helpers.js';

/** Issue 15: SCA's practitioner options and N-MNIST's held-out split, through the built CLI on real files. */
describe('train: SCA options and held-out splits (real files, built CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synaptogen-sca-options-'));
  const tiny = [
    '--model',
    'conv-small',
    '--width',
    '0.25',
    '--timesteps',
    '2',
    '--batch-size',
    '32',
    '--json',
  ];

  it('--min-keep, --ramp-epochs, --finetune-epochs and --mask-mode regrowable act as named', () => {
    const r = cli([
      ...[
        'train',
        '--dataset',
        'cifar10',
        ...tiny,
        '--epochs',
        '3',
        '--train-limit',
        '64',
        '--test-limit',
        '32',
      ],
      ...['--learner', 'sca', '--sparsity', '0.6', '--regrow', '0.1', '--min-keep', '0.25'],
      ...['--ramp-epochs', '2', '--finetune-epochs', '1', '--mask-mode', 'regrowable'],
      ...['--out', join(dir, 'cifar')],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = summaryOf(r.stdout);
    expect(s.learnerOptions).toMatchObject({
      minKeep: 0.25,
      rampEpochs: 2,
      finetuneEpochs: 1,
      maskMode: 'regrowable',
    });
    const h = s.history as {
      sparsityTarget: number;
      frozen: boolean;
      updates: number;
      channels: Record<string, { kept: number; total: number }>;
    }[];
    expect(h.map((m) => m.sparsityTarget)).toEqual([0.3, 0.6, 0.6]);
    expect(h.map((m) => m.frozen)).toEqual([false, true, true]);
    expect(h.map((m) => m.updates)).toEqual([1, 2, 2]);
    for (const m of h)
      for (const [conv, c] of Object.entries(m.channels))
        expect(c.kept, conv).toBeGreaterThanOrEqual(Math.ceil(0.25 * c.total));
    // the checkpoint holds the pruned network: masked filters count as pruned connections
    expect(s.connectivity).toBeLessThan(0.8);
    for (const [args, message] of [
      [
        ['--finetune-epochs', '3', '--epochs', '3'],
        /--finetune-epochs 3 leaves no epoch for a pruning round in --epochs 3/,
      ],
      [['--mask-mode', 'medium'], /option "maskMode" expects one of soft, hard, regrowable, got "medium"/],
      [['--min-keep', '2.5'], /option "minKeep" expects a fraction in \[0, 1\) or a whole channel count/],
    ] as const) {
      const bad = cli(['train', '--learner', 'sca', ...args]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toMatch(message);
    }
  }, 120_000);

  it('nmnist (train1K, no test split) holds out 20% per class by default, --holdout sets the share', () => {
    const run = (name: string, ...extra: string[]) => {
      const r = cli([
        'train',
        '--dataset',
        'nmnist',
        ...tiny,
        '--train-limit',
        '32',
        '--out',
        join(dir, name),
        ...extra,
      ]);
      expect(r.code, r.stderr).toBe(0);
      return { stderr: r.stderr, s: summaryOf(r.stdout) };
    };
    const byDefault = run('default', '--test-limit', '40');
    expect(byDefault.stderr).toMatch(
      /nmnist has no test split in the data root: holding out 20% of each class/,
    );
    expect(byDefault.s.history[0].testSamples).toBe(40);
    const tenth = run('tenth', '--holdout', '0.1', '--seed', '3');
    expect(tenth.stderr).toMatch(/--holdout 0.1: testing on 10% of each class .* \(seed 3\)/);
    // 1000 recordings, about 100 per class: round(0.1 · n) per class
    expect(tenth.s.history[0].testSamples).toBeGreaterThanOrEqual(95);
    expect(tenth.s.history[0].testSamples).toBeLessThanOrEqual(105);
  }, 120_000);

  it('--recalibrate-bn recounts the BatchNorm statistics after the epochs that changed the structure', () => {
    const r = cli([
      ...['train', '--dataset', 'cifar10', ...tiny, '--epochs', '3', '--train-limit', '128'],
      ...['--test-limit', '64', '--learner', 'sca', '--sparsity', '0.5', '--regrow', '0.1'],
      ...['--warmup', '1', '--finetune-epochs', '1', '--recalibrate-bn', '2'],
      ...['--out', join(dir, 'recalibrated')],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const history = summaryOf(r.stdout).history as Record<string, unknown>[];
    // epoch 1 dense (warm-up), epoch 2 ends with the update, epoch 3 is frozen: only epoch 2 recounts
    expect(history.map((m) => m.recalibratedBatches)).toEqual([undefined, 2, undefined]);
    const bad = cli(['train', '--dataset', 'cifar10', ...tiny, '--recalibrate-bn', 'some']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/--recalibrate-bn/);
  }, 120_000);

  it('--recalibrate-bn-every epoch recounts before every evaluation, dense runs too', () => {
    const r = cli([
      ...['train', '--dataset', 'cifar10', ...tiny, '--epochs', '2', '--train-limit', '64'],
      ...['--test-limit', '32', '--recalibrate-bn', '1', '--recalibrate-bn-every', 'epoch'],
      ...['--out', join(dir, 'recalibrated-every-epoch')],
    ]);
    expect(r.code, r.stderr).toBe(0);
    const history = summaryOf(r.stdout).history as Record<string, unknown>[];
    expect(history.map((m) => m.recalibratedBatches)).toEqual([1, 1]);
    const alone = cli(['train', '--dataset', 'cifar10', ...tiny, '--recalibrate-bn-every', 'epoch']);
    expect(alone.code).toBe(2);
    expect(alone.stderr.trim()).toBe(
      'synaptogen: --recalibrate-bn-every needs --recalibrate-bn <batches> (how many to recount on)',
    );
    const bad = cli([
      'train',
      '--dataset',
      'cifar10',
      ...tiny,
      '--recalibrate-bn',
      '1',
      '--recalibrate-bn-every',
      'batch',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--recalibrate-bn-every expects one of structure-change, epoch, got "batch"/);
  }, 120_000);
});
