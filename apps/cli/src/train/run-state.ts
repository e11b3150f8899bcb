import type { EpochMetrics } from '@synaptogen/nn';
import type { BackendInfo } from '@synaptogen/nn/backend';
import type { CheckpointData } from '@synaptogen/nn/checkpoint';
import { loadCheckpoint, recoverCheckpoint } from '@synaptogen/nn/node';
import type { EpochTotals } from '@synaptogen/nn/train';
import { CliError } from '../errors.js';
import type { CurvePoint } from './curve.js';
import type { TrainOptions } from './options.js';

/** Everything a resumed run needs to continue as if it had never stopped (stored as `meta.run`). */
export interface RunState {
  options: TrainOptions;
  completedEpochs: number;
  step: number;
  trainSeconds: number;
  history: EpochMetrics[];
  /** The engine the last session trained on (backend, kernels), for reports. */
  engine?: BackendInfo;
  /** The per-step curve (a point every `curveEvery` steps) the report plots. */
  curve?: CurvePoint[];
  curveEvery?: number;
  /**
   * Set when a signal stopped an epoch: the batches of that epoch already trained (skipped on resume)
   * and their running sums, so that the resumed epoch's metrics cover the whole epoch.
   */
  interrupted?: Interruption;
}

export interface Interruption extends Partial<Omit<EpochTotals, 'batches'>> {
  epoch: number;
  batches: number;
}

/** The sums an interrupted epoch continues from (none in checkpoints written before they were stored). */
export function carriedTotals(i: Interruption | undefined): EpochTotals | undefined {
  if (!i || i.lossSum === undefined || i.correct === undefined || i.samples === undefined) return undefined;
  return {
    lossSum: i.lossSum,
    correct: i.correct,
    samples: i.samples,
    seconds: i.seconds ?? 0,
    batches: i.batches,
  };
}

export interface Resumed {
  dir: string;
  data: CheckpointData;
  state: RunState;
}

/** Reads a run's checkpoint for `--resume`, after tidying what an interrupted save left there. */
export async function readResume(dir: string): Promise<Resumed> {
  await recoverCheckpoint(dir);
  const data = await loadCheckpoint(dir);
  const state = data.manifest.meta.run as RunState | undefined;
  if (!state || typeof state.completedEpochs !== 'number' || !state.options) {
    throw new CliError(`checkpoint ${dir}: has no training state to resume from (meta.run is missing)`);
  }
  return { dir, data, state };
}

/**
 * The options a resumed run continues with: its saved hyper-parameters; only the epoch target, the
 * output and the engine flags may change.
 */
export function resumedOptions(saved: TrainOptions, flags: TrainOptions): TrainOptions {
  return {
    ...saved,
    epochs: flags.epochs,
    json: flags.json,
    quiet: flags.quiet,
    logEvery: flags.logEvery,
    out: flags.out ?? flags.resume,
    resume: flags.resume,
    backend: flags.backend,
    simd: flags.simd,
    memoryCheck: flags.memoryCheck,
    overwrite: flags.overwrite,
    warnWeightsAbove: flags.warnWeightsAbove,
    learnerTimeout: flags.learnerTimeout,
  };
}
