import type { ChannelGroup } from '@synaptogen/nn/models';
import * as tf from '@tensorflow/tfjs-core';
import type { ChannelScoreFn } from './scores.js';

/**
 * Per-channel activity of the spiking layer of each channel group, averaged over the training
 * batches since the last `reset()`. The neurons' `observe()` hook reports every time step; only
 * steps taken in training mode count (evaluation and test data never reach the score), and outside
 * training the observer is inactive, so evaluation runs the fused kernels at no extra heap. The score
 * tensors are reduced to `[C]` inside the forward pass and are not part of the loss, so they get no
 * gradient.
 */
export class ActivityMonitor {
  /** Per-step channel means of the current batch, per group. */
  private pending: tf.Tensor[][];
  /** Sum over batches of the per-batch channel mean, per group. */
  private sums: (tf.Tensor | null)[];
  private stops: (() => void)[] = [];
  /** Training batches folded in since the last reset. */
  batches = 0;

  constructor(
    readonly groups: readonly ChannelGroup[],
    readonly score: ChannelScoreFn,
  ) {
    this.pending = groups.map(() => []);
    this.sums = groups.map(() => null);
  }

  /** Starts observing the groups' neurons. */
  start(): this {
    this.stop();
    this.stops = this.groups.map((g, i) =>
      g.neuron.node.observe(
        (record) => {
          const s = this.score(record);
          const axes = Array.from({ length: s.rank - 1 }, (_, k) => k);
          this.pending[i].push(tf.keep(tf.mean(s, axes)));
        },
        { active: () => g.neuron.training },
      ),
    );
    return this;
  }

  stop(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
  }

  /** Closes the current batch: its mean over time steps joins the running sums (call after each step). */
  flush(): void {
    if (this.pending.every((p) => p.length === 0)) return;
    this.groups.forEach((_, i) => {
      const steps = this.pending[i];
      if (!steps.length) return;
      const next = tf.tidy(() => {
        const batchMean = tf.div(tf.addN(steps), tf.scalar(steps.length));
        const prev = this.sums[i];
        return prev ? tf.add(prev, batchMean) : batchMean;
      });
      this.sums[i]?.dispose();
      this.sums[i] = next;
      tf.dispose(steps);
      this.pending[i] = [];
    });
    this.batches++;
  }

  /** The mean score of every channel over the batches since the last reset (zeros when none). */
  scores(): Float32Array[] {
    this.flush();
    return this.groups.map((g, i) => {
      const s = this.sums[i];
      if (!s || this.batches === 0) return new Float32Array(g.channels);
      const values = s.dataSync() as Float32Array;
      return Float32Array.from(values, (v) => v / this.batches);
    });
  }

  /** The raw sums (for checkpoints) and how many batches they hold. */
  state(): { sums: (tf.Tensor | null)[]; batches: number } {
    this.flush();
    return { sums: this.sums, batches: this.batches };
  }

  restore(sums: (tf.Tensor | null)[], batches: number): void {
    this.reset();
    this.sums = sums.map((s) => (s ? s.clone() : null));
    this.batches = batches;
  }

  reset(): void {
    for (const p of this.pending) tf.dispose(p);
    this.pending = this.groups.map(() => []);
    tf.dispose(this.sums.filter((s): s is tf.Tensor => s !== null));
    this.sums = this.groups.map(() => null);
    this.batches = 0;
  }

  dispose(): void {
    this.stop();
    this.reset();
  }
}
