import type { StepRecord } from '@synaptogen/neurons';
import * as tf from '@tensorflow/tfjs-core';

/**
 * A channel score: from one time step of a spiking layer (spike S, membrane V after reset, H before
 * reset, all `[N, H, W, C]`) an element-wise activity tensor of the same shape. Monitors average it
 * over (t, n, h, w) per channel; a higher value means a more important channel.
 */
export type ChannelScoreFn = (record: StepRecord) => tf.Tensor;

export interface ChannelScore {
  name: string;
  description: string;
  fn: ChannelScoreFn;
}

const scores = new Map<string, ChannelScore>();

/** Adds (or replaces) a channel score usable as the SCA learner's `score` option. */
export function registerChannelScore(name: string, fn: ChannelScoreFn, description = ''): void {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name))
    throw new Error(`channel score name "${name}" is invalid: use letters, digits, ".", "_" or "-"`);
  if (typeof fn !== 'function') throw new Error(`channel score "${name}": fn must be a function`);
  scores.set(name, { name, description, fn });
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
);
registerChannelScore('firing-rate', ({ spike }) => spike, 'mean spike count: silent channels score 0');
registerChannelScore('pre-reset', ({ h }) => tf.abs(h), '|H|, the membrane potential before fire-and-reset');
