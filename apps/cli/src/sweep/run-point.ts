import { rmSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  appendEvent,
  type PointCost,
  type PointFailure,
  type PointResult,
  type RunningMark,
  readJson,
  sweepPaths,
  workerName,
  writeJsonAtomic,
  writeJsonOnce,
} from './layout.js';
import type { SweepPoint } from './points.js';
import { readRunState } from './run-state.js';
import { lastJsonLine, spawnCli } from './spawn-cli.js';
import { toTrainArgs, trainDefault } from './train-flags.js';
import { parseTrainLine } from './train-log.js';

export interface RunPointOptions {
  /** The built CLI (`apps/cli/dist/bin.js`, or the installed `synaptogen`) that trains each point. */
  cli: string;
  /** Data root for points that do not set `dataDir` (default: the children's SYNAPTOGEN_DATA). */
  dataDir?: string;
  /** Test samples `synaptogen cost` measures spikes on after training; 0: no cost. */
  costSamples: number;
  /** Aborting stops the point as Ctrl-C does: train saves its unfinished epoch, the point stays unfinished. */
  signal?: AbortSignal;
  onProgress?: (p: PointProgress) => void;
}

export interface PointProgress {
  point: SweepPoint;
  /** Epochs trained, fractional (1.5 = half of the second epoch). */
  epochs: number;
  totalEpochs: number;
  /** Set when an epoch ends. */
  testAccuracy?: number | null;
  connectivity?: number | null;
}

export type PointOutcome =
  | {
      status: 'done';
      result: PointResult /** false: it was finished before (or by another worker) */;
      ran: boolean;
    }
  | { status: 'failed'; failure: PointFailure }
  | { status: 'interrupted' };

/** The fields of train's JSON summary a point's result keeps. */
type TrainSummary = Pick<
  PointResult,
  'testAccuracy' | 'testLoss' | 'connectivity' | 'connectivityPerLayer' | 'epochs' | 'trainSeconds'
>;

/** `synaptogen cost` of the finished run: energy per sample and cores, saved as a profile in the run directory. */
async function measureCost(point: SweepPoint, dir: string, o: RunPointOptions): Promise<PointResult['cost']> {
  if (!o.costSamples) return null;
  const args = ['cost', dir, '--samples', String(o.costSamples), '--save-profiles', dir, '--json', '-q'];
  if (typeof point.params.chip === 'string') args.push('--chip', point.params.chip);
  if (o.dataDir && point.params.dataDir === undefined) args.push('--data-dir', o.dataDir);
  const run = spawnCli(o.cli, args, () => {});
  const r = await run.done;
  const summary = lastJsonLine<Record<string, unknown>>(r.stdout);
  if (r.code !== 0 || !summary)
    return { error: r.lastErrors.at(-1)?.replace(/^synaptogen: /, '') ?? `cost exited with ${r.code}` };
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    chip: String(summary.chip ?? 'loihi'),
    cores: num(summary.cores),
    energyPicojoules: Number(summary.energyPicojoules),
    energyPreset: String(summary.energyPreset),
    denseANNPicojoules: num(summary.denseANNPicojoules),
    samples: o.costSamples,
  } satisfies PointCost;
}

/**
 * Runs one point to the end as a normal `synaptogen train` run directory: a fresh run, or
 * `train --resume` when the directory holds a checkpoint of an unfinished run. A point whose result
 * is recorded is not run again; a second completion (two workers, one point) is not recorded.
 */
export async function runPoint(out: string, point: SweepPoint, o: RunPointOptions): Promise<PointOutcome> {
  const paths = sweepPaths(out);
  const recorded = readJson<PointResult>(paths.result(point.id));
  if (recorded) return { status: 'done', result: recorded, ran: false };

  if (o.signal?.aborted) return { status: 'interrupted' };
  const dir = paths.point(point);
  const epochs = Number(point.params.epochs ?? trainDefault('epochs'));
  const state = readRunState(dir);
  const args = state.exists
    ? ['train', '--resume', dir, '--epochs', String(epochs)]
    : ['train', ...toTrainArgs(point.params), '--out', dir];
  if (state.exists && point.params.backend !== undefined)
    args.push('--backend', String(point.params.backend));
  if (!state.exists && o.dataDir && point.params.dataDir === undefined) args.push('--data-dir', o.dataDir);
  args.push('--json', '--log-every', '1');

  rmSync(paths.failure(point.id), { force: true });
  const from = { epoch: state.completedEpochs, batches: state.batches };
  o.onProgress?.({ point, epochs: from.epoch, totalEpochs: epochs });

  const run = spawnCli(o.cli, args, (line) => {
    const e = parseTrainLine(line);
    if (e?.kind === 'batch')
      o.onProgress?.({ point, epochs: e.epoch - 1 + e.batch / e.batches, totalEpochs: epochs });
    if (e?.kind === 'epoch') {
      appendEvent(out, { point: point.id, event: 'epoch', epoch: e.epoch, epochs: e.epochs });
      o.onProgress?.({
        point,
        epochs: e.epoch,
        totalEpochs: epochs,
        testAccuracy: e.testAccuracy,
        connectivity: e.connectivity,
      });
    }
  });
  const mark: RunningMark = {
    host: hostname(),
    pid: process.pid,
    childPid: run.child.pid ?? null,
    startedAt: new Date().toISOString(),
  };
  writeJsonAtomic(paths.running(point.id), mark);
  appendEvent(out, {
    point: point.id,
    event: 'start',
    resume: state.exists,
    from,
    childPid: mark.childPid,
    args,
  });
  const stop = () => run.child.kill('SIGINT');
  o.signal?.addEventListener('abort', stop, { once: true });
  try {
    const r = await run.done;
    if (o.signal?.aborted && r.code !== 0) {
      appendEvent(out, { point: point.id, event: 'interrupted', exitCode: r.code });
      return { status: 'interrupted' };
    }
    const summary = lastJsonLine<TrainSummary>(r.stdout);
    if (r.code !== 0 || !summary) {
      const message =
        [...r.lastErrors]
          .reverse()
          .find((l) => l.startsWith('synaptogen: '))
          ?.slice(12) ??
        r.lastErrors.at(-1) ??
        `train exited with ${r.code ?? r.signal}`;
      const failure: PointFailure = {
        id: point.id,
        dir: point.dir,
        params: point.params,
        status: 'failed',
        exitCode: r.code,
        message,
        worker: workerName(),
        failedAt: new Date().toISOString(),
      };
      writeJsonAtomic(paths.failure(point.id), failure);
      appendEvent(out, { point: point.id, event: 'failed', exitCode: r.code, message });
      return { status: 'failed', failure };
    }
    const result: PointResult = {
      id: point.id,
      dir: point.dir,
      params: point.params,
      status: 'done',
      testAccuracy: summary.testAccuracy,
      testLoss: summary.testLoss,
      connectivity: summary.connectivity,
      connectivityPerLayer: summary.connectivityPerLayer,
      epochs: summary.epochs,
      trainSeconds: summary.trainSeconds,
      resumedFrom: from,
      cost: await measureCost(point, dir, o),
      worker: workerName(),
      finishedAt: new Date().toISOString(),
    };
    if (!writeJsonOnce(paths.result(point.id), result)) {
      appendEvent(out, { point: point.id, event: 'duplicate' });
      return { status: 'done', result: readJson<PointResult>(paths.result(point.id))!, ran: false };
    }
    appendEvent(out, { point: point.id, event: 'done', from, testAccuracy: result.testAccuracy });
    return { status: 'done', result, ran: true };
  } finally {
    o.signal?.removeEventListener('abort', stop);
    // only our own mark: another worker may have taken the point over meanwhile
    const now = readJson<RunningMark>(paths.running(point.id));
    if (now?.host === mark.host && now.pid === mark.pid && now.childPid === mark.childPid)
      rmSync(paths.running(point.id), { force: true });
  }
}
