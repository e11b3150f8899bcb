import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliWithEnv } from '../test-cli.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'synaptogen-memory-'));
const oneLine = (stderr: string) => stderr.trim().split('\n');

// Runs that used to abort inside tfjs-wasm ("Start offset ... is outside the bounds", "Aborted()")
describe('runs that cannot fit the wasm heap get one clear line', () => {
  it.each([
    [
      'gradr-cifar-net',
      /gradr-cifar-net on mnist \(input \[1, 28, 28\], T = 8\) at batch size 128 needs an estimated [\d.]+ GiB of wasm heap per training step .*use --batch-size \d+ or less/,
    ],
    [
      'preresnet18',
      /preresnet18 on mnist \(input \[1, 28, 28\], T = 4\) at batch size 128 needs an estimated [\d.]+ GiB .*use --batch-size \d+ or less/,
    ],
  ])(
    '%s on MNIST is refused up front, naming the input shape and a batch size that fits',
    (model, message) => {
      const r = cli(
        'train',
        '--dataset',
        'mnist',
        '--model',
        model,
        '--train-limit',
        '256',
        '--test-limit',
        '100',
        '--out',
        join(tmp(), 'run'),
      );
      expect(r.code, r.stderr).toBe(2);
      expect(oneLine(r.stderr)).toEqual([expect.stringMatching(message)]);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+|Aborted|outside the bounds/);
    },
  );

  it('an evaluation batch that cannot fit is refused up front with the largest that fits', () => {
    const r = cli(
      'train',
      '--dataset',
      'cifar10',
      '--model',
      'conv-small',
      '--train-limit',
      '64',
      '--test-limit',
      '3000',
      '--eval-batch-size',
      '3000',
      '--out',
      join(tmp(), 'run'),
    );
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r.stderr)).toEqual([
      expect.stringMatching(
        /conv-small on cifar10 \(input \[3, 32, 32\], T = 4\): evaluation at batch size 3000 needs an estimated [\d.]+ GiB of wasm heap .*use --eval-batch-size \d+ or less/,
      ),
    ]);
  });

  it('a heap overflow during a run (no up-front check) is one line, and SYNAPTOGEN_DEBUG=1 shows the original error', () => {
    const args = [
      'train',
      '--dataset',
      'cifar10',
      '--model',
      'conv-small',
      '--train-limit',
      '64',
      '--test-limit',
      '2000',
      '--eval-batch-size',
      '2000',
      '--no-memory-check',
    ];
    const r = cli(...args, '--out', join(tmp(), 'run'));
    expect(r.code, r.stderr).toBe(1);
    const lines = oneLine(r.stderr).filter((l) => !l.startsWith('training '));
    expect(lines).toEqual([
      expect.stringMatching(
        /^synaptogen: out of wasm memory training conv-small on cifar10 \(input \[3, 32, 32\], T = 4\) at batch size 128.*--eval-batch-size/,
      ),
    ]);
    const debug = cliWithEnv({ SYNAPTOGEN_DEBUG: '1' }, ...args, '--out', join(tmp(), 'run'));
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(
      /\[cause\]: RuntimeError: memory access out of bounds|\[cause\]: .*(Aborted|out of bounds)/,
    );
    expect(debug.stderr).toMatch(/at .*tf-backend-wasm/);
  });
});
