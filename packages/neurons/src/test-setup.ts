import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import './register-gradients.js';

tf.env().set('PROD', true);
await tf.setBackend('cpu');

/** Element-wise closeness with a readable failure message. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
      throw new Error(`index ${i}: got ${actual[i]}, expected ${expected[i]} (all: [${Array.from(actual)}])`);
    }
  }
}
