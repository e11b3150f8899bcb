import type { SpikingModel } from '@synaptogen/nn';
import type * as tf from '@tensorflow/tfjs-core';

/** What a weight score sees besides the weight. */
export interface ScoreContext {
  /** The host's tfjs module (plugins use it instead of importing their own copy). */
  tf: typeof tf;
  /** Parameter name of the weight, e.g. "body.1.weight". */
  name: string;
  /** Position of the weight among the model's prunable weights. */
  index: number;
  /** The optimizer step that prunes. */
  step: number;
  /** The run's seed (from the attach context), for scores that draw at random. */
  seed: number;
  /** The learner's resolved options (the standard ones and the spec's `numbers`). */
  options: Readonly<Record<string, unknown>>;
  model: SpikingModel;
  /** The 0/1 mask before this pruning step. */
  mask: tf.Tensor;
  /** The weight's gradient at this step, when the learner was built with `gradients: true`. */
  grad?: tf.Tensor;
}

/**
 * The importance of every entry of a prunable weight: a tensor of the weight's shape, low scores
 * pruned first. It receives the weight with its pruned entries already zeroed; entries pruned before
 * are never compared with the live ones, so a score need not care about them. Runs inside tf.tidy.
 */
export type WeightScore = (weight: tf.Tensor, ctx: ScoreContext) => tf.Tensor;

/** |w|: magnitude pruning. */
export const magnitudeScore: WeightScore = (weight, { tf }) => tf.abs(weight);

/** |w · ∂L/∂w|: the first-order Taylor estimate of the loss change when w is removed (needs `gradients: true`). */
export const taylorScore: WeightScore = (weight, { tf, grad, name }) => {
  if (!grad) throw new Error(`taylor score: no gradient for ${name}; build the learner with gradients: true`);
  return tf.abs(tf.mul(weight, grad));
};
