import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built CLI as a plain Node process (see cli.test.ts).
const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../../dist/bin.js');
const dataRoot = process.env.SYNAPTOGEN_DATA ?? resolve(here, '../../../../../shared/data');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SYNAPTOGEN_DATA: dataRoot },
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('SCA commands: ablate, compact, robustness (real CIFAR-10)', () => {
  it('ablate trains and tabulates variants; compact shrinks the SCA model; robustness tabulates noise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synaptogen-sca-'));
    const ablate = cli([
      'ablate',
      ...['--width', '0.25', '--timesteps', '2', '--epochs', '1', '--batch-size', '32'],
      ...['--train-limit', '64', '--test-limit', '64', '--variants', 'dense,prune+regrow'],
      ...['--save-dir', join(dir, 'models'), '--out', join(dir, 'ablation.md'), '--json'],
      ...['--recalibrate-bn', '2'],
    ]);
    expect(ablate.code, ablate.stderr).toBe(0);
    const { results } = JSON.parse(ablate.stdout) as {
      results: { variant: string; channelsKept: number; parameters: number; parametersDense: number }[];
    };
    expect(results.map((r) => r.variant)).toEqual(['dense', 'prune+regrow']);
    expect(results[0].channelsKept).toBe(1);
    expect(results[1].channelsKept).toBeCloseTo(0.3, 1);
    expect(results[1].parameters).toBeLessThan(results[0].parameters);
    const table = readFileSync(join(dir, 'ablation.md'), 'utf8');
    expect(table).toMatch(/\| variant \| score \| regrow q \| masks \| options \| test acc/);
    // the samples used and the recalibration, as run
    expect(table).toMatch(/on cifar10: 64 train \/ 64 test samples, .*BatchNorm recounted on 2 batches/);

    const compact = cli(['compact', join(dir, 'models', 'prune+regrow'), '--json']);
    expect(compact.code, compact.stderr).toBe(0);
    const c = JSON.parse(compact.stdout) as {
      out: string;
      parametersBefore: number;
      parametersAfter: number;
    };
    expect(c.parametersAfter).toBe(results[1].parameters);
    expect(existsSync(join(c.out, 'manifest.json'))).toBe(true);

    const rob = cli([
      'robustness',
      join(dir, 'models', 'prune+regrow'),
      c.out,
      ...[
        '--test-limit',
        '64',
        '--input-noise',
        '0,1',
        '--weight-noise',
        '0.5',
        '--out',
        join(dir, 'rob.md'),
        '--json',
      ],
    ]);
    expect(rob.code, rob.stderr).toBe(0);
    const rows = JSON.parse(rob.stdout) as {
      checkpoint: string;
      noise: string;
      sigma: number;
      accuracy: number;
    }[];
    expect(rows.length).toBe(2 * 3);
    const clean = rows.filter((r) => r.noise === 'input' && r.sigma === 0).map((r) => r.accuracy);
    expect(clean[0]).toBe(clean[1]); // the compacted model answers exactly as the masked one
    // seeded input noise: both models see the same noisy inputs, so they still agree
    const noisy = rows.filter((r) => r.noise === 'input' && r.sigma === 1).map((r) => r.accuracy);
    expect(noisy[0]).toBe(noisy[1]);
    expect(readFileSync(join(dir, 'rob.md'), 'utf8')).toMatch(/\| input σ=1 \|/);
  });

  it('a channel-score plugin file is a variant of ablate and a score of train (apps/examples/channel-score-plugin)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synaptogen-sca-plugin-'));
    const plugin = resolve(here, '../../../examples/channel-score-plugin/index.js');
    const tiny = ['--width', '0.25', '--timesteps', '2', '--epochs', '1', '--batch-size', '32'];
    const ablate = cli([
      ...['ablate', ...tiny, '--train-limit', '64', '--test-limit', '64'],
      ...['--channel-score', plugin, '--variants', 'score=membrane-energy'],
      ...['--recalibrate-bn', '1', '--recalibrate-bn-every', 'epoch'],
      ...['--out', join(dir, 'ablation.md'), '--json'],
    ]);
    expect(ablate.code, ablate.stderr).toBe(0);
    const { results } = JSON.parse(ablate.stdout) as { results: { variant: string; channelsKept: number }[] };
    expect(results.map((r) => r.variant)).toEqual(['score=membrane-energy']);
    expect(results[0].channelsKept).toBeCloseTo(0.3, 1);
    expect(readFileSync(join(dir, 'ablation.md'), 'utf8')).toMatch(
      /\| score=membrane-energy \| membrane-energy \|/,
    );
    expect(readFileSync(join(dir, 'ablation.md'), 'utf8')).toMatch(
      /BatchNorm recounted on 1 batches after every epoch/,
    );
    const train = cli([
      ...['train', '--dataset', 'cifar10', '--model', 'conv-small', ...tiny, '--train-limit', '64'],
      ...['--test-limit', '32', '--learner', 'sca', '--sparsity', '0.5', '--channel-score', plugin],
      ...['--learner-option', 'score="membrane-energy"', '--json', '--quiet', '--out', join(dir, 'run')],
    ]);
    expect(train.code, train.stderr).toBe(0);
    const summary = JSON.parse(train.stdout.trim().split('\n').at(-1) as string);
    expect(summary.learnerReport).toMatchObject({ score: 'membrane-energy' });
    expect(summary.learnerReport.channelsKept).toBeCloseTo(0.5, 1);
  }, 300_000);

  it('bad input gets a one-line error naming the argument', () => {
    const cases: Array<[string[], RegExp]> = [
      [['compact', '/nonexistent/ckpt'], /checkpoint \/nonexistent\/ckpt: directory does not exist/],
      [['ablate', '--sparsity', '0.95', '--regrow', '0.1'], /--sparsity \+ --regrow must be ≤ 1/],
      [['ablate', '--variants', 'dense,magic'], /--variants: unknown magic/],
      [
        ['ablate', '--variants', 'finetune', '--epochs', '1'],
        /--finetune-epochs 1 leaves no epoch for a pruning round in --epochs 1/,
      ],
      [
        ['ablate', '--channel-score', './no-such-score.js'],
        /--channel-score: channel-score plugin .*no-such-score.js: file .* does not exist/,
      ],
      [['robustness', '/nonexistent/ckpt'], /checkpoint \/nonexistent\/ckpt: directory does not exist/],
      [['robustness', 'x', '--input-noise', '0,-1'], /--input-noise expects comma-separated numbers ≥ 0/],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});
