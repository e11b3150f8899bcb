import type { SpikingModel, StepInfo } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The smallest host a learner can attach to: named prunable weight variables. Learners only use
 * `prunableWeights()` and `config.name`, so rules can be checked on hand-sized tensors.
 */
let created = 0;

export function fakeModel(weights: Record<string, { values: number[]; shape: number[] }>): SpikingModel {
  const vars: [string, tf.Variable][] = Object.entries(weights).map(([name, { values, shape }]) => [
    name,
    tf.variable(tf.tensor(values, shape), true, `fake-${created++}-${name}`),
  ]);
  return {
    config: { name: 'fake' },
    prunableWeights: () => vars,
    namedParameters: () => vars,
  } as unknown as SpikingModel;
}

export function step(n: number, lr = 0.01): StepInfo {
  return { epoch: 0, step: n, batchIndex: n - 1, loss: 0, lr };
}

export function grads(values: Record<string, number[]>, shapes: Record<string, number[]>) {
  return new Map(Object.entries(values).map(([k, v]) => [k, tf.tensor(v, shapes[k])]));
}

/** Plain numbers (−0 read as 0: a pruned negative weight is s·0 = −0). */
export const values = (t: tf.Tensor) => Array.from(t.dataSync(), (x) => x + 0);
