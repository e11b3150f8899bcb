import * as tf from '@tensorflow/tfjs-core';
import type { LossName } from '../models/spiking-model.js';

export type LossFn = (output: tf.Tensor, labels: tf.Tensor1D, classes: number) => tf.Scalar;

/** MSE between the output firing rate and the one-hot label, averaged over all elements (PyTorch mse_loss). */
export const mseRate: LossFn = (output, labels, classes) =>
  tf.mean(tf.squaredDifference(output, tf.oneHot(labels, classes))) as tf.Scalar;

/** Softmax cross-entropy of the (time-averaged) logits, averaged over the batch. */
export const crossEntropy: LossFn = (output, labels, classes) =>
  tf.losses.softmaxCrossEntropy(tf.oneHot(labels, classes), output) as tf.Scalar;

export const LOSSES: Record<LossName, LossFn> = { 'mse-rate': mseRate, 'cross-entropy': crossEntropy };

export function lossByName(name: string): LossFn {
  const fn = LOSSES[name as LossName];
  if (!fn) throw new Error(`unknown loss "${name}"; expected one of: ${Object.keys(LOSSES).join(', ')}`);
  return fn;
}
