import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from './rng.js';

/**
 * PyTorch's default initialisation for Linear and Conv2d (kaiming_uniform with a = √5), which is
 * U(−1/√fan_in, 1/√fan_in) for weights and biases alike. Matching it keeps accuracy comparable with
 * published PyTorch runs.
 */
export function uniformFanIn(shape: number[], fanIn: number, rng: Rng): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.uniform(-bound, bound);
  return tf.tensor(values, shape, 'float32');
}
