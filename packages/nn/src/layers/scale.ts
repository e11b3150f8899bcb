import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module.js';

/** Element-wise product with a fixed array shaped like one sample (NIR's Scale), kept as a buffer. */
export class Scale extends Module {
  readonly kind = 'Scale';
  readonly scale: tf.Variable;
  constructor(readonly shape: readonly number[]) {
    super();
    this.scale = this.addBuffer('scale', tf.ones([...shape]));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, this.scale);
  }
  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}
