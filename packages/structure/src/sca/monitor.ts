import { CHANNEL_SCORE_SUMS, type ChannelScoreSumsAttrs } from '@synaptogen/contracts';
import type { SequenceRecord } from '@synaptogen/neurons';
import type { ChannelGroup } from '@synaptogen/nn/models';
import * as tf from '@tensorflow/tfjs-core';
import type { ChannelScore, ChannelScoreFn, PotentialScoreFn } from './scores.js';

/**
 * Per-channel activity of the spiking layer of each channel group, averaged over the training
 * batches since the last `reset()`. The neurons' `observe()` hook reports every time step; only
 * steps taken in training mode count (evaluation and test data never reach the score), and outside
 * training the observer is inactive, so evaluation runs the fused kernels at no extra heap. The score
 * tensors are reduced to `[C]` inside the forward pass and are not part of the loss, so they get no
 * gradient. A score with `ofPotential` is reduced instead in one pass over each call's H
 * (`observeSequence`): no per-step tensors (they cost a quarter of an SCA step on conv-small).
 */
export class ActivityMonitor {
  /** Per-step channel means of the current batch, per group (step-record scores). */
  private pending: tf.Tensor[][];
  /** Σ over the current batch's steps of their channel means, and the step count, per group (H scores). */
  private pendingSums: (Float64Array | null)[];
  private pendingSteps: number[];
  /** Sum over batches of the per-batch channel mean, per group. */
  private sums: (tf.Tensor | null)[];
  private stops: (() => void)[] = [];
  /** Training batches folded in since the last reset. */
  batches = 0;

  private readonly fn: ChannelScoreFn;
  private readonly ofPotential: PotentialScoreFn | undefined;
  private readonly kernelId: number | undefined;

  constructor(
    readonly groups: readonly ChannelGroup[],
    score: ChannelScore | ChannelScoreFn,
  ) {
    this.fn = typeof score === 'function' ? score : score.fn;
    this.ofPotential = typeof score === 'function' ? undefined : score.ofPotential;
    this.kernelId = typeof score === 'function' ? undefined : score.kernelId;
    this.pending = groups.map(() => []);
    this.pendingSums = groups.map(() => null);
    this.pendingSteps = groups.map(() => 0);
    this.sums = groups.map(() => null);
  }

  /** Starts observing the groups' neurons. */
  start(): this {
    this.stop();
    const ofPotential = this.ofPotential;
    this.stops = this.groups.map((g, i) => {
      const active = { active: () => g.neuron.training };
      if (ofPotential)
        return g.neuron.node.observeSequence((record) => this.addSequence(i, record, ofPotential), active);
      return g.neuron.node.observe((record) => {
        const s = this.fn(record);
        const axes = Array.from({ length: s.rank - 1 }, (_, k) => k);
        this.pending[i].push(tf.keep(tf.mean(s, axes)));
      }, active);
    });
    return this;
  }

  /** One forward call's H `[T, N, ..., C]`: Σ_t of the steps' channel means, in one pass over the data. */
  private addSequence(i: number, record: SequenceRecord, f: PotentialScoreFn): void {
    const { h } = record;
    const C = h.shape[h.rank - 1];
    const T = h.shape[0];
    const sums = this.channelSums(record, f);
    const pending = this.pendingSums[i] ?? new Float64Array(C);
    // each step holds size / T / C elements per channel: Σ_t mean_t = T · (sum / count)
    const perStep = h.size / C / T;
    for (let c = 0; c < C; c++) pending[c] += sums[c] / perStep;
    this.pendingSums[i] = pending;
    this.pendingSteps[i] += T;
  }

  stop(): void {
    for (const stop of this.stops) stop();
    this.stops = [];
  }

  /** Σ of the score per channel over all of H: the backend's native kernel where registered, else a loop. */
  private channelSums({ h, vThreshold, vReset }: SequenceRecord, f: PotentialScoreFn): ArrayLike<number> {
    if (this.kernelId !== undefined && tf.getKernel(CHANNEL_SCORE_SUMS, tf.getBackend())) {
      const attrs: ChannelScoreSumsAttrs = {
        score: this.kernelId,
        vThreshold,
        vReset: vReset ?? 0,
        soft: vReset === null,
      };
      const sums = tf.engine().runKernel(CHANNEL_SCORE_SUMS, { h }, attrs as unknown as tf.NamedAttrMap);
      const values = (sums as tf.Tensor).dataSync();
      (sums as tf.Tensor).dispose();
      return values;
    }
    const C = h.shape[h.rank - 1];
    const data = h.dataSync() as Float32Array;
    const sums = new Float64Array(C);
    for (let j = 0; j < data.length; j += C)
      for (let c = 0; c < C; c++) sums[c] += f(data[j + c], vThreshold, vReset);
    return sums;
  }

  /** Closes the current batch: its mean over time steps joins the running sums (call after each step). */
  flush(): void {
    if (this.pending.every((p) => p.length === 0) && this.pendingSteps.every((n) => n === 0)) return;
    this.groups.forEach((_, i) => {
      const batchMean = this.takeBatchMean(i);
      if (!batchMean) return;
      const prev = this.sums[i];
      this.sums[i] = prev ? tf.tidy(() => tf.add(prev, batchMean)) : tf.keep(batchMean);
      if (prev) {
        prev.dispose();
        batchMean.dispose();
      }
    });
    this.batches++;
  }

  /** The current batch's channel means averaged over its steps (`[C]`), emptying the pending ones; null when none. */
  private takeBatchMean(i: number): tf.Tensor | null {
    const steps = this.pending[i];
    if (steps.length) {
      this.pending[i] = [];
      const mean = tf.tidy(() => tf.div(tf.addN(steps), tf.scalar(steps.length)));
      tf.dispose(steps);
      return mean;
    }
    const sums = this.pendingSums[i];
    const n = this.pendingSteps[i];
    if (!sums || n === 0) return null;
    this.pendingSums[i] = null;
    this.pendingSteps[i] = 0;
    return tf.tensor1d(Float32Array.from(sums, (v) => v / n));
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
    this.pendingSums = this.groups.map(() => null);
    this.pendingSteps = this.groups.map(() => 0);
    tf.dispose(this.sums.filter((s): s is tf.Tensor => s !== null));
    this.sums = this.groups.map(() => null);
    this.batches = 0;
  }

  dispose(): void {
    this.stop();
    this.reset();
  }
}
