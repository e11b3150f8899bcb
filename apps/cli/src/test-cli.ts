/** Runs the built CLI as a plain Node process (DESIGN.md: vitest's tfjs set-up differs from node's). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = path.join(REPO, 'apps/cli/dist/bin.js');
export const DATA = process.env.SYNAPTOGEN_DATA ?? path.resolve(REPO, '../shared/data');

export function cli(...args: string[]) {
  return cliWithEnv({}, ...args);
}

/** `cli` with extra environment variables (e.g. SYNAPTOGEN_DEBUG). */
export function cliWithEnv(env: Record<string, string>, ...args: string[]) {
  return cliWithin(120_000, env, ...args);
}

/** `cliWithEnv` for the few commands that train for minutes (the limit is a hang guard, not a benchmark). */
export function cliWithin(timeoutMs: number, env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SYNAPTOGEN_DATA: DATA, ...env },
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
