import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module.js';

/**
 * Heaviside step without state (NIR's Threshold): 1 where x > threshold, else 0. It has no gradient
 * (zero): it stands for a fixed spike-domain operation such as max pooling of spikes.
 */
export class Threshold extends Module {
  readonly kind = 'Threshold';
  constructor(readonly threshold: number) {
    super();
    if (!Number.isFinite(threshold)) throw new Error(`Threshold: threshold must be finite, got ${threshold}`);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.cast(tf.greater(x, tf.scalar(this.threshold)), 'float32');
  }
  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}
