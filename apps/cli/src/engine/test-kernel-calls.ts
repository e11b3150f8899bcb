import * as tf from '@tensorflow/tfjs-core';

/**
 * Counts the calls of a kernel registered on the wasm backend, by wrapping it in place for the life
 * of the test file: how a test shows that a native path really ran.
 */
export function countKernelCalls(kernelName: string): { count: number } {
  const kernel = tf.getKernel(kernelName, 'wasm');
  if (!kernel) throw new Error(`kernel ${kernelName} is not registered on wasm`);
  const calls = { count: 0 };
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    ...kernel,
    kernelFunc: (args) => {
      calls.count++;
      return kernel.kernelFunc(args);
    },
  });
  return calls;
}
