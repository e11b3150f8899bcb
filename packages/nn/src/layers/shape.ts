import * as tf from '@tensorflow/tfjs-core';
import { type ForwardContext, Module, type Signal } from '../module.js';
import type { Rng } from '../rng.js';
import { maxPool2dFirstMax } from './maxpool-route.js';

/** Max pooling on NHWC, kernel = stride (PyTorch's MaxPool2d(k), gradient to the first maximum). */
export class MaxPool2d extends Module {
  readonly kind = 'MaxPool2d';
  constructor(readonly kernelSize = 2) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    return maxPool2dFirstMax(x as tf.Tensor4D, this.kernelSize);
  }
  outputShape([h, w, c]: readonly number[]): number[] {
    return [Math.floor(h / this.kernelSize), Math.floor(w / this.kernelSize), c];
  }
}

/** Average pooling on NHWC, kernel = stride. */
export class AvgPool2d extends Module {
  readonly kind = 'AvgPool2d';
  constructor(readonly kernelSize = 2) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.avgPool(x as tf.Tensor4D, this.kernelSize, this.kernelSize, 'valid');
  }
  outputShape([h, w, c]: readonly number[]): number[] {
    return [Math.floor(h / this.kernelSize), Math.floor(w / this.kernelSize), c];
  }
}

/** `[N, ...]` → `[N, features]` (NHWC order). */
export class Flatten extends Module {
  readonly kind = 'Flatten';
  forward(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], -1]);
  }
  outputShape(inputShape: readonly number[]): number[] {
    return [inputShape.reduce((a, b) => a * b, 1)];
  }
}

/** Averages groups of `groupSize` consecutive features: Grad R's 100 → 10 class voting. */
export class GroupAverage extends Module {
  readonly kind = 'GroupAverage';
  constructor(readonly groupSize: number) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    const [n, f] = x.shape;
    return tf.mean(tf.reshape(x, [n, f / this.groupSize, this.groupSize]), 2);
  }
  outputShape([f]: readonly number[]): number[] {
    return [f / this.groupSize];
  }
}

/**
 * Dropout whose mask is drawn once per sample and kept for all T steps (SpikingJelly's
 * MultiStepDropout): the same synapses are silent for a whole presentation.
 */
export class Dropout extends Module {
  readonly kind = 'Dropout';
  constructor(
    readonly p: number,
    private readonly rng: Rng,
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
  }

  private mask(shape: number[]): tf.Tensor {
    const keep = 1 - this.p;
    const u = tf.randomUniform(shape, 0, 1, 'float32', this.rng.seed());
    return tf.div(tf.cast(tf.less(u, tf.scalar(keep)), 'float32'), tf.scalar(keep));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (!ctx.training || !this.training || this.p === 0) return x;
    return tf.mul(x, this.mask(x.shape));
  }

  override call(input: Signal, ctx: ForwardContext): Signal {
    if (!input.temporal || !ctx.training || !this.training || this.p === 0) return super.call(input, ctx);
    return { x: tf.mul(input.x, this.mask([1, ...input.x.shape.slice(1)])), temporal: true };
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}
