import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliWithin } from '../test-cli.js';

const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string);

/**
 * Issue 15's crash: `train --dataset cifar10 --model conv-small --learner sca --sparsity 0.7 --regrow 0.1
 * --epochs 2 --train-limit 2000 --test-limit 1000 --seed 1` died in epoch 2 after evaluating in
 * batches of 1000 with SCA's activity monitors attached: they pushed the neurons off their fused
 * kernels (every time step's tensors kept; wasm memory never shrinks). The monitors are inactive
 * outside training now, evaluation batches default to the training batch size, and a batch that
 * cannot fit is refused up front. The same command (256 training images) on the real files.
 */
describe('SCA trains through its evaluations (real CIFAR-10, built CLI)', () => {
  it('completes the crash command in no more heap than dense; an evaluation batch that cannot fit is refused up front', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synaptogen-sca-eval-'));
    const flags = [
      ...['train', '--dataset', 'cifar10', '--model', 'conv-small', '--epochs', '2'],
      ...['--train-limit', '256', '--test-limit', '1000', '--seed', '1', '--json', '--quiet'],
    ];
    const run = (name: string, ...extra: string[]) => {
      const r = cliWithin(300_000, {}, ...flags, ...extra, '--out', join(dir, name));
      expect(r.code, r.stderr).toBe(0);
      return summaryOf(r.stdout);
    };
    const sca = run('sca', '--learner', 'sca', '--sparsity', '0.7', '--regrow', '0.1');
    const dense = run('dense');
    expect(sca.epochs).toBe(2);
    expect(sca.history).toHaveLength(2);
    expect(sca.learnerReport.channelsKept).toBeLessThan(0.5);
    expect(sca.testAccuracy).toBeGreaterThan(0);
    // the heap the run reached is the heap dense needs, and within the up-front estimates
    expect(sca.memory.wasmHeapBytes).toBeGreaterThan(0);
    expect(sca.memory.wasmHeapBytes).toBeLessThanOrEqual(1.1 * dense.memory.wasmHeapBytes);
    expect(sca.memory.estimatedEvalBytes).toBeGreaterThan(0);
    expect(sca.memory.wasmHeapBytes).toBeLessThan(2 ** 31);

    const big = cliWithin(300_000, {}, ...flags, '--learner', 'sca', '--eval-batch-size', '1000');
    expect(big.code).toBe(2);
    expect(big.stderr.trim().split('\n')).toHaveLength(1);
    expect(big.stderr).toMatch(
      /evaluation at batch size 1000 needs an estimated [\d.]+ GiB of wasm heap .*use --eval-batch-size \d+ or less/,
    );
  }, 600_000);
});
