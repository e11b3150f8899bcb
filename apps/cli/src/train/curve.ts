import type { SpikingModel, StepInfo } from '@synaptogen/nn';
import { measureConnectivity } from '@synaptogen/structure';

/** One point of the per-step curve in `meta.run.curve`: means over the batches since the previous point. */
export interface CurvePoint {
  /** Optimizer step (over the whole run). */
  step: number;
  /** Epochs done, fractional (1.5: half-way through the second epoch). */
  epochs: number;
  trainLoss: number;
  trainAccuracy: number;
  /** Of all prunable weights, measured on the weights at this step (|w| ≥ 1e-10). */
  connectivity: number;
}

/** Steps between points when `--curve-every` is not given: about 25 points per epoch. */
export function defaultCurveEvery(batchesPerEpoch: number): number {
  return Math.max(1, Math.round(batchesPerEpoch / 25));
}

/**
 * Collects the per-step curve of a training run (the report plots it; a one-epoch run is a curve, not a
 * dot). Called from `onBatch` with the trainer's cumulative epoch counts; keeps its points in `points`,
 * which the run state stores, so a resumed run continues the same curve.
 */
export class CurveLog {
  private lossSum = 0;
  private correct = 0;
  private samples = 0;
  private prevSamples = 0;
  private prevCorrect = 0;

  constructor(
    readonly every: number,
    readonly perEpoch: number,
    readonly points: CurvePoint[],
  ) {}

  /** `info.samples` / `info.correct` count the epoch so far; `batchesDone` the batches of this epoch. */
  record(
    info: StepInfo & { samples: number; correct: number },
    batchesDone: number,
    model: SpikingModel,
  ): void {
    if (info.samples < this.prevSamples) {
      // a new epoch: the trainer's counts start again
      this.prevSamples = 0;
      this.prevCorrect = 0;
    }
    const n = info.samples - this.prevSamples;
    this.lossSum += info.loss * n;
    this.correct += info.correct - this.prevCorrect;
    this.samples += n;
    this.prevSamples = info.samples;
    this.prevCorrect = info.correct;
    if (info.step % this.every !== 0 || this.samples === 0) return;
    this.points.push({
      step: info.step,
      epochs: info.epoch + batchesDone / this.perEpoch,
      trainLoss: this.lossSum / this.samples,
      trainAccuracy: this.correct / this.samples,
      connectivity: measureConnectivity(model.prunableWeights()).connectivity,
    });
    this.lossSum = 0;
    this.correct = 0;
    this.samples = 0;
  }
}
