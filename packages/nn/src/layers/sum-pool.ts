import * as tf from '@tensorflow/tfjs-core';
import { Module } from '../module.js';

/**
 * Sum pooling on NHWC, kernel = stride (Sinabs' SumPool2d, NIR's SumPool2d): each output is the sum of
 * its k×k window, computed as a reshape and a sum so that it is exact for spike counts.
 */
export class SumPool2d extends Module {
  readonly kind = 'SumPool2d';
  constructor(readonly kernelSize = 2) {
    super();
    if (!(Number.isInteger(kernelSize) && kernelSize >= 1))
      throw new Error(`SumPool2d: kernel size must be a positive integer, got ${kernelSize}`);
  }
  forward(x: tf.Tensor): tf.Tensor {
    const k = this.kernelSize;
    const [n, h, w, c] = x.shape;
    const oh = Math.floor(h / k);
    const ow = Math.floor(w / k);
    const cropped = oh * k === h && ow * k === w ? x : tf.slice(x, [0, 0, 0, 0], [n, oh * k, ow * k, c]);
    return tf.sum(tf.reshape(cropped, [n, oh, k, ow, k, c]), [2, 4]);
  }
  outputShape([h, w, c]: readonly number[]): number[] {
    return [Math.floor(h / this.kernelSize), Math.floor(w / this.kernelSize), c];
  }
}
