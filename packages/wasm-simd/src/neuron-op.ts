import { NEURON_BACKWARD, NEURON_FORWARD } from '@synaptogen/contracts';
import * as tf from '@tensorflow/tfjs-core';
import { backendIO, checkFloat32 } from './backend-io.js';
import type { HeapKernelsProvider } from './heap-instance.js';
import { neuronBackwardInPlace, neuronForwardInPlace } from './neuron-in-place.js';
import { type NeuronOptions, neuronBackward, neuronForward, resolveNeuron } from './neurons.js';
import type { KernelInstance } from './runtime.js';

export { NEURON_BACKWARD, NEURON_FORWARD };

function optionsFromAttrs(attrs: tf.NamedAttrMap | undefined): NeuronOptions {
  if (typeof attrs?.options !== 'string')
    throw new Error('spikingNeuron: kernel attrs.options (JSON) is missing');
  return JSON.parse(attrs.options) as NeuronOptions;
}

function steps(shape: number[], what: string): number {
  if (shape.length < 2) throw new Error(`${what}: input must be [T, N, ...], got shape [${shape}]`);
  return shape[0];
}

/** attrs.steps: the input is [N, ...], fed at each of `steps` steps (direct encoding); else null. */
function constantSteps(attrs: tf.NamedAttrMap | undefined, what: string): number | null {
  const v = attrs?.steps;
  if (v === undefined || v === null) return null;
  if (!Number.isInteger(v) || (v as number) < 1)
    throw new Error(`${what}: attrs.steps must be a positive integer, got ${String(v)}`);
  return v as number;
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * `heapFor` gives the in-heap kernels for a backend (tfjs wasm), which run on the tensors in place
 * when a step's N is a multiple of 4 (the kernels' SIMD width; otherwise the copying path pads); large
 * layers also give column ranges to the workers (neuron-in-place.ts).
 */
export function neuronKernelConfigs(
  backendName: string,
  k: KernelInstance,
  heapFor: HeapKernelsProvider,
): tf.KernelConfig[] {
  return [
    {
      kernelName: NEURON_FORWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const what = 'spikingNeuron forward';
        const { x } = inputs as { x: tf.TensorInfo };
        checkFloat32(x, 'x', what);
        const constant = constantSteps(attrs, what);
        const T = constant ?? steps(x.shape, what);
        const shape = constant ? [constant, ...x.shape] : x.shape;
        const options = optionsFromAttrs(attrs);
        const n = sizeOf(shape) / T;
        const heap = n % 4 === 0 ? heapFor(backend) : null;
        if (heap)
          return neuronForwardInPlace(heap, k, x, shape, T, n, resolveNeuron(options), constant !== null);
        const io = backendIO(backend, what);
        return io.outputs([shape, shape], ([spikes, h]) => {
          neuronForward(k, io.read(x), T, options, undefined, { spikes, h }, constant !== null);
        });
      },
    },
    {
      kernelName: NEURON_BACKWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const what = 'spikingNeuron backward';
        const { dy, h } = inputs as { dy: tf.TensorInfo; h: tf.TensorInfo };
        checkFloat32(dy, 'dy', what);
        const T = steps(dy.shape, what);
        const options = optionsFromAttrs(attrs);
        const constant = constantSteps(attrs, what) !== null;
        const n = sizeOf(dy.shape) / T;
        const heap = n % 4 === 0 ? heapFor(backend) : null;
        if (heap) {
          checkFloat32(h, 'h', what);
          if (sizeOf(h.shape) !== sizeOf(dy.shape))
            throw new Error(`${what}: h has shape [${h.shape}], dy [${dy.shape}]`);
          const gradShape = constant ? dy.shape.slice(1) : dy.shape;
          return neuronBackwardInPlace(heap, k, dy, h, gradShape, T, n, resolveNeuron(options), constant);
        }
        const io = backendIO(backend, what);
        if (!constant) {
          return io.outputs([dy.shape], ([gradX]) => {
            neuronBackward(k, io.read(dy), io.read(h), T, options, undefined, { gradX });
          });
        }
        // constant input: its gradient is the sum over the steps (from the last, as BPTT runs)
        return io.outputs([dy.shape.slice(1)], ([gradX]) => {
          neuronBackward(k, io.read(dy), io.read(h), T, options, undefined, { gradX }, true);
        });
      },
    },
  ];
}

/**
 * A multi-step spiking neuron layer as one tfjs op: `x` is [T, N, ...], or [N, ...] with `steps`
 * (the same input at each step, direct encoding, without materialising the repeat); the result is
 * the spikes [T, N, ...]; its gradient is the fused BPTT with the surrogate. The membrane starts at
 * V_reset (state is not carried between calls). Needs `await useWasmSimd()` first (wasm and cpu).
 * Kernel attrs: `options` (JSON of NeuronOptions) and optional `steps`.
 */
export function spikingNeuron(x: tf.Tensor, options: NeuronOptions, steps?: number): tf.Tensor {
  resolveNeuron(options); // validate eagerly, with the caller's stack
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1))
    throw new Error(`spikingNeuron: steps must be a positive integer, got ${steps}`);
  const attrs: tf.NamedAttrMap = { options: JSON.stringify(options) };
  if (steps !== undefined) attrs.steps = steps;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const [spikes, h] = tf.engine().runKernel(NEURON_FORWARD, { x: input }, attrs) as tf.Tensor[];
    save([h]);
    return {
      value: spikes,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(NEURON_BACKWARD, { dy, h: saved[0] }, attrs) as tf.Tensor,
    };
  });
  return op(x);
}
