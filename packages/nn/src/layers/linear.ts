import * as tf from '@tensorflow/tfjs-core';
import { uniformFanIn } from '../init.js';
import { Module } from '../module.js';
import type { Rng } from '../rng.js';

export interface LinearOptions {
  bias?: boolean;
}

/** y = x·W + b with W stored `[in, out]` (tfjs' matMul layout; PyTorch stores `[out, in]`). */
export class Linear extends Module {
  readonly kind = 'Linear';
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng,
    options: LinearOptions = {},
  ) {
    super();
    this.weight = this.addParameter('weight', uniformFanIn([inFeatures, outFeatures], inFeatures, rng));
    this.bias =
      (options.bias ?? true) ? this.addParameter('bias', uniformFanIn([outFeatures], inFeatures, rng)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(
        `Linear(${this.inFeatures}→${this.outFeatures}): input has ${x.shape[x.rank - 1]} features`,
      );
    }
    const y = tf.matMul(x as tf.Tensor2D, this.weight as tf.Tensor2D);
    return this.bias ? tf.add(y, this.bias) : y;
  }

  outputShape(): number[] {
    return [this.outFeatures];
  }
}
