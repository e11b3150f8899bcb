import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module.js';

/** Mean over height and width of NHWC `[N, H, W, C]` → `[N, C]` (ResNets' final pooling, any input size). */
export class GlobalAvgPool extends Module {
  readonly kind = 'GlobalAvgPool';

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4) throw new Error(`GlobalAvgPool: expected NHWC input, got [${x.shape}]`);
    return tf.mean(x, [1, 2]);
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [inputShape[inputShape.length - 1]];
  }
}
