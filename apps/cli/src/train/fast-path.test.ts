import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../test-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'synaptogen-fast-path-'));
const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string);

// the built CLI as a process: the path a user takes
describe('synaptogen runs on the wasm-simd kernels by default', () => {
  it('doctor reports the backend, SIMD, threads and the active kernels; --no-simd turns them off', () => {
    const on = cli('doctor', '--json');
    expect(on.code, on.stderr).toBe(0);
    const fast = JSON.parse(on.stdout);
    expect(fast).toMatchObject({ backend: 'wasm', wasmSimd: true });
    expect(fast.accelerator.name).toBe('@synaptogen/wasm-simd');
    expect(fast.accelerator.kernels).toEqual(
      expect.arrayContaining(['Conv2DBackpropFilter', 'BatchMatMul', 'SynaptogenNeuronForward']),
    );
    expect(fast.accelerator.threads).toBeGreaterThanOrEqual(1);
    const off = cli('doctor', '--json', '--no-simd');
    expect(JSON.parse(off.stdout)).toMatchObject({ backend: 'wasm', accelerator: null });
    const text = cli('doctor');
    expect(text.stdout).toMatch(
      /engine: wasm \(SIMD, 1 thread\) \+ @synaptogen\/wasm-simd \(\d+ kernels, \d threads?\)/,
    );
  });

  it('Grad R on MNIST gives the same figures with and without the kernels, and the summary names the engine', () => {
    const dir = tmp();
    const job = ['train', '--learner', 'gradr', '--alpha', '0.05', '--target-sparsity', '0.95'];
    const run = (...extra: string[]) => {
      const r = cli(...job, '--train-limit', '1024', '--test-limit', '500', '--json', '--quiet', ...extra);
      expect(r.code, r.stderr).toBe(0);
      return summaryOf(r.stdout);
    };
    const fast = run('--out', join(dir, 'fast'));
    const stock = run('--out', join(dir, 'stock'), '--no-simd');
    expect(fast.engine.accelerator.kernels.length).toBeGreaterThan(0);
    expect(stock.engine.accelerator).toBeNull();
    expect(fast.testAccuracy).toBe(stock.testAccuracy);
    expect(fast.connectivity).toBe(stock.connectivity);
    expect(fast.trainLoss).toBeCloseTo(stock.trainLoss, 6);
    expect(fast.connectivityPerLayer).toEqual(stock.connectivityPerLayer);
    // the report names the engine each run trained on
    for (const [run, engine] of [
      ['fast', /engine wasm \(SIMD, 1 thread\) \+ @synaptogen\/wasm-simd \(\d+ kernels/],
      ['stock', /engine wasm \(SIMD, 1 thread\), stock kernels/],
    ] as const) {
      const r = cli('report', join(dir, run), '--quiet');
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(join(dir, run, 'report.html'), 'utf8')).toMatch(engine);
    }
  });

  it('conv-small on CIFAR-10: the first batches give the same loss with and without the kernels', () => {
    const dir = tmp();
    const job = [
      'train',
      '--dataset',
      'cifar10',
      '--model',
      'conv-small',
      '--width',
      '0.5',
      '--optimizer',
      'sgd',
    ];
    const run = (...extra: string[]) => {
      const r = cli(
        ...job,
        '--train-limit',
        '128',
        '--batch-size',
        '64',
        '--test-limit',
        '100',
        '--json',
        '--quiet',
        ...extra,
      );
      expect(r.code, r.stderr).toBe(0);
      return summaryOf(r.stdout);
    };
    const fast = run('--out', join(dir, 'fast'));
    const stock = run('--out', join(dir, 'stock'), '--no-simd');
    // Winograd and the spike kernels sum in another order: equal up to float rounding over two steps
    expect(Math.abs(fast.trainLoss - stock.trainLoss) / stock.trainLoss).toBeLessThan(2e-3);
  });

  it('the same seed gives the same bits twice on two threads (conv gradients summed in a fixed order)', () => {
    const dir = tmp();
    const run = (name: string) => {
      const r = cli(
        ...['train', '--dataset', 'cifar10', '--model', 'conv-small', '--optimizer', 'sgd', '--lr', '0.05'],
        ...['--train-limit', '256', '--batch-size', '64', '--test-limit', '100', '--seed', '3'],
        ...['--json', '--quiet', '--out', join(dir, name)],
      );
      expect(r.code, r.stderr).toBe(0);
      const weights = readdirSync(join(dir, name)).find((f) => f.startsWith('weights'));
      return { summary: summaryOf(r.stdout), weights: readFileSync(join(dir, name, weights as string)) };
    };
    const a = run('a');
    const b = run('b');
    // conv-small at full width runs the Winograd and spike-event filter gradients on both threads
    expect(a.summary.engine.accelerator.threads).toBeGreaterThanOrEqual(2);
    expect(b.summary.trainLoss).toBe(a.summary.trainLoss);
    expect(b.summary.testAccuracy).toBe(a.summary.testAccuracy);
    expect(b.weights.equals(a.weights)).toBe(true);
  });
});
