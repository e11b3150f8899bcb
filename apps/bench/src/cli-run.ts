// `synaptogen train ... --json` through the built CLI, as a user runs it: the benchmarks that make a
// claim about the user's path (main job, SCA on N-MNIST) measure it this way.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './record.js';

// bundled into apps/bench/dist/run.js: the CLI is built next door
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../cli/dist/bin.js');

/** The fields of the CLI's JSON summary the benchmarks read (apps/cli/src/train/run-summary.ts). */
export interface CliTrainSummary {
  testAccuracy: number;
  testSamples?: number;
  trainSeconds: number;
  samplesPerSecond: number;
  connectivity: number;
  engine: unknown;
  learnerOptions: Record<string, unknown>;
  learnerReport: Record<string, unknown>;
  history: Record<string, unknown>[];
  /** Measured here: the whole command, start-up and evaluation included. */
  wallSeconds: number;
}

/** Runs `synaptogen train <args> --json --quiet` into a temporary checkpoint directory. */
export function runTrainCli(args: string[], ctx: BenchContext, who: string): CliTrainSummary {
  const out = mkdtempSync(join(tmpdir(), 'synaptogen-bench-'));
  try {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [CLI, 'train', ...args, '--json', '--quiet', '--out', join(out, 'run')],
      {
        encoding: 'utf8',
        env: { ...process.env, SYNAPTOGEN_DATA: ctx.dataRoot },
        maxBuffer: 1 << 26,
      },
    );
    const wallSeconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`${who}: synaptogen train failed (${r.status}): ${r.stderr.trim()}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    return { ...summary, testSamples: summary.history.at(-1)?.testSamples, wallSeconds };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
