import type { BackendInfo, CheckpointData, EpochMetrics } from '@synaptogen/nn';
import { loadCheckpoint } from '@synaptogen/nn/node';
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
  /** Set when a signal stopped an epoch: the batches of that epoch already trained (skipped on resume). */
  interrupted?: { epoch: number; batches: number };
}

export interface Resumed {
  dir: string;
  data: CheckpointData;
  state: RunState;
}

/** Reads a run's checkpoint for `--resume`. */
export async function readResume(dir: string): Promise<Resumed> {
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
  };
}
