import { CHANNEL_SCORE_TABLE, channelScoreId } from '@synaptogen/contracts';
import type { StepRecord } from '@synaptogen/neurons';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A channel score: from one time step of a spiking layer (spike S, membrane V after reset, H before
 * reset, all `[N, H, W, C]`) an element-wise activity tensor of the same shape. Monitors average it
 * over (t, n, h, w) per channel; a higher value means a more important channel.
 */
export type ChannelScoreFn = (record: StepRecord) => tf.Tensor;

/**
 * The same score as a function of one neuron's H alone (before fire-and-reset), given the layer's
 * threshold and reset (null: soft): S and V follow from them. A score that has one is reduced in one
 * pass over each forward call's H (`observeSequence`), with no per-step tensors.
 */
export type PotentialScoreFn = (h: number, vThreshold: number, vReset: number | null) => number;

export interface ChannelScore {
  name: string;
  description: string;
  fn: ChannelScoreFn;
  /** `fn` as a function of H (optional: scores that need more, or `t`, run on the step records). */
  ofPotential?: PotentialScoreFn;
  /** Its id in the contract's `CHANNEL_SCORE_TABLE`, when a native kernel computes it (the built-ins). */
  kernelId?: number;
}

export interface ChannelScoreOptions {
  /** `fn` as a function of H alone (see `PotentialScoreFn`); it must give the same values as `fn`. */
  ofPotential?: PotentialScoreFn;
  /**
   * The name of the `CHANNEL_SCORE_TABLE` row (`@synaptogen/contracts`) whose formula this score is:
   * where a backend registers `CHANNEL_SCORE_SUMS` (wasm-simd), it is summed there in one SIMD pass.
   * Needs `ofPotential` (the path without the kernel).
   */
  kernelScore?: string;
}

const scores = new Map<string, ChannelScore>();

/** Adds (or replaces) a channel score usable as the SCA learner's `score` option. */
export function registerChannelScore(
  name: string,
  fn: ChannelScoreFn,
  description = '',
  options: ChannelScoreOptions = {},
): void {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name))
    throw new Error(`channel score name "${name}" is invalid: use letters, digits, ".", "_" or "-"`);
  if (typeof fn !== 'function') throw new Error(`channel score "${name}": fn must be a function`);
  const { ofPotential, kernelScore } = options;
  if (ofPotential !== undefined && typeof ofPotential !== 'function')
    throw new Error(`channel score "${name}": ofPotential must be a function`);
  const kernelId = kernelScore === undefined ? undefined : channelScoreId(kernelScore);
  if (kernelId === -1)
    throw new Error(
      `channel score "${name}": kernelScore "${kernelScore}" is not a native score; expected one of: ${CHANNEL_SCORE_TABLE.map((s) => s.name).join(', ')}`,
    );
  if (kernelId !== undefined && !ofPotential)
    throw new Error(`channel score "${name}": kernelScore needs ofPotential (the path without the kernel)`);
  scores.set(name, { name, description, fn, ofPotential, kernelId });
}

export function listChannelScores(): string[] {
  return [...scores.keys()];
}

/** The registered score `name`; throws naming the registered ones when it is unknown. */
export function getChannelScore(name: string): ChannelScore {
  const s = scores.get(name);
  if (!s)
    throw new Error(`unknown channel score "${name}"; expected one of: ${listChannelScores().join(', ')}`);
  return s;
}

registerChannelScore(
  'activity',
  ({ spike, v }) => tf.add(spike, tf.abs(v)),
  "SCA's reference score s + |v| (v after reset; with hard reset to 0 this approximates the pre-reset |v|)",
  {
    ofPotential: (h, vth, vr) => {
      if (h < vth) return Math.abs(h);
      return 1 + Math.abs(vr === null ? h - vth : vr);
    },
    kernelScore: 'activity',
  },
);
registerChannelScore('firing-rate', ({ spike }) => spike, 'mean spike count: silent channels score 0', {
  ofPotential: (h, vth) => (h >= vth ? 1 : 0),
  kernelScore: 'firing-rate',
});
registerChannelScore('pre-reset', ({ h }) => tf.abs(h), '|H|, the membrane potential before fire-and-reset', {
  ofPotential: (h) => Math.abs(h),
  kernelScore: 'pre-reset',
});
