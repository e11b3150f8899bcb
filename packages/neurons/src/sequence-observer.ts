import * as tf from '@tensorflow/tfjs-core';
import type { StepObserver } from './node.js';

/**
 * What a sequence observer sees once per forward call: H before fire-and-reset for all T steps,
 * `[T, N, ...]` (`[1, N, ...]` for a single step), and the neuron's threshold and reset, from which S
 * and V follow. One record per call instead of T lets a monitor reduce the whole call in one pass
 * (SCA's channel scores): native kernels hand over their H as it is, with no per-step slices.
 */
export interface SequenceRecord {
  readonly h: tf.Tensor;
  readonly vThreshold: number;
  /** null: soft reset. */
  readonly vReset: number | null;
}
/** Called inside the forward pass; must not keep the tensor (copy what it needs into its own state). */
export type SequenceObserver = (record: SequenceRecord) => void;

/**
 * Feeds the sequence observers of one forward call: native kernels pass their H whole (`whole`); the
 * tfjs paths, which produce H a step at a time, pass each step to `step`, and `deliver` stacks them.
 */
export class SequenceCollector {
  private steps: tf.Tensor[] = [];

  constructor(
    private readonly observers: readonly SequenceObserver[],
    private readonly neuron: { vThreshold: number; vReset: number | null },
  ) {}

  /** A per-step observer for the tfjs paths: keeps a copy of each step's H until `deliver`. */
  readonly step: StepObserver = ({ h }) => {
    this.steps.push(tf.keep(tf.clone(h)));
  };

  /** Hands H `[T, N, ...]` to every observer. */
  whole(h: tf.Tensor): void {
    const record = { h, vThreshold: this.neuron.vThreshold, vReset: this.neuron.vReset };
    for (const observer of this.observers) observer(record);
  }

  /** After a forward call on a tfjs path: the steps kept by `step`, stacked, to every observer. */
  deliver(): void {
    if (!this.steps.length) return;
    const steps = this.steps;
    this.steps = [];
    tf.tidy(() => this.whole(tf.stack(steps)));
    tf.dispose(steps);
  }
}
