import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built CLI as a plain Node process: tfjs gradient registration differs from vitest's (DESIGN.md).
const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../dist/bin.js');
const dataRoot = process.env.SYNAPTOGEN_DATA ?? resolve(here, '../../../../shared/data');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SYNAPTOGEN_DATA: dataRoot, ...env },
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'synaptogen-cli-'));

describe('synaptogen CLI (built, run by node)', () => {
  it('prints help and version', () => {
    const help = cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/train/);
    const trainHelp = cli(['train', '--help']);
    expect(trainHelp.stdout).toMatch(/--batch-size/);
    expect(trainHelp.stdout).toMatch(/Examples:/);
    // the model list comes from nn's registry: every zoo model is named, preresnet18 included
    const flat = trainHelp.stdout.replace(/\s+/g, ' ');
    for (const model of [
      'gradr-mnist-mlp',
      'gradr-cifar-net',
      'sca-vgg16',
      'sca-vgg-small',
      'conv-small',
      'preresnet18',
    ])
      expect(flat).toContain(model);
    expect(cli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('shows examples in the help of every command', () => {
    const commands = [...cli(['--help']).stdout.matchAll(/^ {2}([a-z]+) /gm)]
      .map((m) => m[1])
      .filter((c) => c !== 'help');
    expect(commands.length).toBeGreaterThanOrEqual(8);
    for (const command of commands) {
      const help = cli([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/Examples:\n {2}\$ synaptogen /);
    }
  });

  it('ends quietly when the reader of its output goes away', async () => {
    // the read end of stdout is closed before the CLI has started, so its first write gets EPIPE
    const child = spawn(process.execPath, [bin, 'datasets', 'list'], {
      env: { ...process.env, SYNAPTOGEN_DATA: dataRoot },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(0);
  });

  it('rejects bad input with a one-line error and a non-zero exit', () => {
    const cases: Array<[string[], RegExp]> = [
      [['train', '--model', 'resnet9000'], /unknown model "resnet9000"/],
      [['train', '--dataset', 'imagenet'], /unknown dataset "imagenet"/],
      [['train', '--epochs', 'two'], /--epochs expects a positive integer, got "two"/],
      [['train', '--no-such-flag'], /unknown option '--no-such-flag'/],
      [['train', '--data-dir', '/nonexistent/data'], /\/nonexistent\/data.*not found/],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('(run with')).length,
        args.join(' '),
      ).toBe(1);
    }
  });

  it('trains gradr-mnist-mlp on real MNIST, checkpoints, and resumes', () => {
    const out = join(tmp(), 'run');
    const common = [
      '--dataset',
      'mnist',
      '--model',
      'gradr-mnist-mlp',
      '--train-limit',
      '2560',
      '--test-limit',
      '500',
      '--out',
      out,
    ];
    const r = cli(['train', ...common, '--epochs', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({
      dataset: 'mnist',
      model: 'gradr-mnist-mlp',
      learner: 'dense',
      epochs: 1,
      connectivity: 1,
    });
    expect(summary.testAccuracy).toBeGreaterThan(0.3); // 20 steps: well above chance (0.1)
    expect(summary.trainSeconds).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/epoch 1\/1 .*test acc/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.model.name).toBe('gradr-mnist-mlp');
    expect(manifest.tensors.some((t: { name: string }) => t.name.startsWith('optimizer/'))).toBe(true);

    const resumed = cli(['train', '--resume', out, '--epochs', '2', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const s2 = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!);
    expect(s2.epochs).toBe(2);
    expect(s2.history).toHaveLength(2);
    expect(s2.history[0]).toEqual(summary.history[0]);
  });

  it('a corrupt checkpoint gives a clear error and is never overwritten', () => {
    const out = join(tmp(), 'run');
    const ok = cli(['train', '--train-limit', '256', '--test-limit', '100', '--out', out, '--quiet']);
    expect(ok.code, ok.stderr).toBe(0);
    const weightsFile = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).weightsFile;
    const weights = join(out, weightsFile);
    const bytes = readFileSync(weights);
    bytes[10] ^= 0xff;
    writeFileSync(weights, bytes);
    const copy = join(tmp(), 'copy');
    cpSync(out, copy, { recursive: true });
    const r = cli(['train', '--resume', out, '--epochs', '2']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/checkpoint .*run: weights-[0-9a-f]+\.bin does not match its SHA-256/);
    expect(readFileSync(weights).equals(readFileSync(join(copy, weightsFile)))).toBe(true);
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe(
      readFileSync(join(copy, 'manifest.json'), 'utf8'),
    );
  });
});
