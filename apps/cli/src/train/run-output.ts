import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE } from '@synaptogen/nn/checkpoint';
import { recoverCheckpoint } from '@synaptogen/nn/node';
import { CliError } from '../errors.js';
import type { TrainOptions } from './options.js';

/** Where a run writes its checkpoints, and whether this run created the directory. */
export interface RunOutput {
  dir: string;
  /** True when this run made the directory (a default `runs/…` name): removed again if left empty. */
  created: boolean;
}

const stamp = (d: Date) => d.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

/** A short description of the run a checkpoint directory holds, for the refusal message. */
function describeRun(dir: string): string {
  try {
    const m = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
    const run = m?.meta?.run;
    if (run?.options)
      return `a run of ${run.options.model} on ${run.options.dataset}, ${run.completedEpochs} epoch(s)`;
  } catch {
    // unreadable: still a checkpoint directory
  }
  return 'a checkpoint';
}

/**
 * The run's output directory. `--out` naming an existing run is refused unless it is the run being
 * resumed or `--overwrite` is given (the old checkpoint is replaced atomically by the first save).
 * Without `--out`, a new directory `runs/<model>-<dataset>-<UTC time>[-n]` is created and so reserved:
 * two runs started together never share one.
 */
export async function prepareOutput(o: TrainOptions): Promise<RunOutput> {
  if (o.out === undefined) return reserveDefault(o);
  const dir = resolve(o.out);
  if (o.resume && resolve(o.resume) === dir) return { dir, created: false };
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new CliError(`--out ${o.out}: is a file; expected a directory for the run's checkpoints`, 2);
    if (existsSync(join(dir, MANIFEST_FILE)) && !o.overwrite)
      throw new CliError(
        `--out ${o.out}: already holds ${describeRun(dir)}; continue it with --resume ${o.out}, ` +
          'or replace it with --overwrite',
        2,
      );
    await recoverCheckpoint(dir);
  }
  return { dir, created: false };
}

async function reserveDefault(o: TrainOptions): Promise<RunOutput> {
  const base = resolve('runs', `${o.model}-${o.dataset}-${stamp(new Date())}`);
  await mkdir(resolve('runs'), { recursive: true });
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      await mkdir(dir); // fails if it exists: the name is this run's once this succeeds
      return { dir, created: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Removes a directory this run created and never wrote a checkpoint into. */
export async function releaseOutput(out: RunOutput): Promise<void> {
  if (out.created) await rmdir(out.dir).catch(() => undefined);
}
