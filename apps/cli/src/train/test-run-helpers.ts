/** Helpers of the tests that run the built `synaptogen train` and compare checkpoints. */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

// The built CLI as a plain Node process (tfjs gradient registration differs under vitest, DESIGN.md).
const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../../..');
export const bin = resolve(here, '../../dist/bin.js');
export const dataRoot = process.env.SYNAPTOGEN_DATA ?? resolve(repoRoot, '../shared/data');
export const env = { ...process.env, SYNAPTOGEN_DATA: dataRoot };

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...env, ...options.env },
    cwd: options.cwd ?? repoRoot,
    timeout: 240_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI without blocking (several at once). */
export function cliAsync(args: string[], options: { cwd?: string } = {}): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd: options.cwd ?? repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

/** Runs `train` and sends `signal` once a `--log-every` line shows that `afterBatch` batches ran. */
export async function trainAndSignal(
  args: string[],
  signal: NodeJS.Signals,
  afterBatch: RegExp,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, 'train', ...args], { env, cwd: repoRoot });
  let stdout = '';
  let stderr = '';
  let sent = false;
  child.stdout.on('data', (d) => {
    stdout += d;
    if (!sent && afterBatch.test(stdout)) {
      sent = true;
      child.kill(signal);
    }
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  return { code, stdout, stderr };
}

export const summaryOf = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1) as string);
export const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

/** Checkpoint tensors by name, as raw bytes. */
export function checkpointTensors(dir: string): Map<string, Buffer> {
  const manifest = manifestOf(dir);
  const data = readFileSync(join(dir, manifest.weightsFile));
  return new Map(
    manifest.tensors.map((t: { name: string; offset: number; byteLength: number }) => [
      t.name,
      data.subarray(t.offset, t.offset + t.byteLength),
    ]),
  );
}

export function expectSameTensors(a: string, b: string): void {
  const ta = checkpointTensors(a);
  const tb = checkpointTensors(b);
  expect([...tb.keys()].sort()).toEqual([...ta.keys()].sort());
  for (const [name, bytes] of ta) expect(bytes.equals(tb.get(name) as Buffer), name).toBe(true);
}

/** Epoch metrics without the wall-clock fields. */
export const timeless = (h: Array<Record<string, unknown>>) =>
  h.map(({ trainSeconds: _t, resumedAfterBatches: _r, ...rest }) => rest);
