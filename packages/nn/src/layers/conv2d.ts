import * as tf from '@tensorflow/tfjs-core';
import { uniformFanIn } from '../init.js';
import { Module } from '../module.js';
import type { Rng } from '../rng.js';
import { conv2dTrainable } from './conv-route.js';

export interface Conv2dOptions {
  kernelSize?: number;
  stride?: number;
  /** Symmetric zero padding in pixels (PyTorch semantics). */
  padding?: number;
  bias?: boolean;
}

/** 2-D convolution on NHWC tensors; filters `[kh, kw, in, out]`. */
export class Conv2d extends Module {
  readonly kind = 'Conv2d';
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    rng: Rng,
    options: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = options.kernelSize ?? 3;
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    const k = this.kernelSize;
    const fanIn = inChannels * k * k;
    this.weight = this.addParameter('weight', uniformFanIn([k, k, inChannels, outChannels], fanIn, rng));
    this.bias =
      (options.bias ?? true) ? this.addParameter('bias', uniformFanIn([outChannels], fanIn, rng)) : null;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(
        `Conv2d(${this.inChannels}→${this.outChannels}): expected NHWC input with ${this.inChannels} channels, got [${x.shape}]`,
      );
    }
    const y = conv2dTrainable(x as tf.Tensor4D, this.weight as tf.Tensor4D, this.stride, this.padding);
    return this.bias ? tf.add(y, this.bias) : y;
  }

  outputShape([h, w]: readonly number[]): number[] {
    const o = (n: number) => Math.floor((n + 2 * this.padding - this.kernelSize) / this.stride) + 1;
    return [o(h), o(w), this.outChannels];
  }
}
