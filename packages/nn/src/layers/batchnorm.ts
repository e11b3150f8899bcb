import * as tf from '@tensorflow/tfjs-core';
import { type ForwardContext, Module } from '../module.js';
import { batchNormTrain } from './batchnorm-fused.js';

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch in the running statistics (PyTorch's momentum, default 0.1). */
  momentum?: number;
}

/**
 * Batch normalisation over the last axis (features of `[N, C]`, channels of NHWC). Training mode
 * normalises with batch statistics and updates running mean and (unbiased) variance as PyTorch
 * does; evaluation mode uses the running statistics.
 */
export class BatchNorm extends Module {
  readonly kind: string = 'BatchNorm';
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly eps: number;
  readonly momentum: number;
  /** Batches averaged so far while recounting the statistics; null in normal training. */
  private recounted: number | null = null;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.weight = this.addParameter('weight', tf.ones([numFeatures]));
    this.bias = this.addParameter('bias', tf.zeros([numFeatures]));
    this.runningMean = this.addBuffer('runningMean', tf.zeros([numFeatures]));
    this.runningVar = this.addBuffer('runningVar', tf.ones([numFeatures]));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.numFeatures) {
      throw new Error(
        `${this.kind}(${this.numFeatures}): input has ${x.shape[x.rank - 1]} features/channels`,
      );
    }
    if (!ctx.training || !this.training) {
      return tf.batchNorm(x, this.runningMean, this.runningVar, this.bias, this.weight, this.eps);
    }
    const { y, mean, variance } = batchNormTrain(
      x,
      this.weight as tf.Tensor1D,
      this.bias as tf.Tensor1D,
      this.eps,
    );
    const count = x.size / this.numFeatures;
    // recounting: the plain mean over the batches seen (PyTorch's momentum=None), else the EMA
    const momentum = this.recounted === null ? this.momentum : 1 / ++this.recounted;
    tf.tidy(() => {
      const m = tf.scalar(momentum);
      const keep = tf.scalar(1 - momentum);
      const unbiased = tf.mul(variance, tf.scalar(count / Math.max(count - 1, 1)));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, keep), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, keep), tf.mul(unbiased, m)));
    });
    tf.dispose([mean, variance]);
    return y;
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  /**
   * Starts recounting the running statistics from scratch: until `endRecount()`, every training
   * forward adds its batch with weight 1/(batches so far), so the statistics become the plain mean
   * over the recounted batches (see `recalibrateBatchNorm`).
   */
  beginRecount(): void {
    this.recounted = 0;
  }

  /** Back to the exponential moving average; returns the batches recounted. */
  endRecount(): number {
    const n = this.recounted ?? 0;
    this.recounted = null;
    return n;
  }
}

/** BatchNorm over the features of `[N, C]`. */
export class BatchNorm1d extends BatchNorm {
  override readonly kind = 'BatchNorm1d';
}

/** BatchNorm over the channels of NHWC `[N, H, W, C]`. */
export class BatchNorm2d extends BatchNorm {
  override readonly kind = 'BatchNorm2d';
}
