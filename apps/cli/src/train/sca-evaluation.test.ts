import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliWithin } from '../test-cli.js';

const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string);

/**
 * Issue 15's crash: SCA on conv-small (full width, real CIFAR-10 files) died in epoch 2 after an
 * evaluation in batches of 1000, because SCA's activity monitors pushed the neurons off their fused
 * kernels during evaluation (every time step's tensors kept; wasm memory never shrinks). The monitors
 * are inactive outside training now, so SCA needs no more heap than dense with the same flags.
 */
describe('SCA trains through evaluations in large batches (real CIFAR-10, built CLI)', () => {
  it('completes two epochs with evaluation batches of 1000, in no more heap than dense', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synaptogen-sca-eval-'));
    const flags = [
      ...['train', '--dataset', 'cifar10', '--model', 'conv-small', '--epochs', '2'],
      ...['--train-limit', '256', '--test-limit', '1000', '--eval-batch-size', '1000', '--seed', '1'],
      ...['--json', '--quiet'],
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
  }, 600_000);
});
