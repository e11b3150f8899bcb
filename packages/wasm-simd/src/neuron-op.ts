import * as tf from '@tensorflow/tfjs-core';
import { backendIO, checkFloat32 } from './backend-io.js';
import { type NeuronOptions, neuronBackward, neuronForward, resolveNeuron } from './neurons.js';
import type { KernelInstance } from './runtime.js';

export const NEURON_FORWARD = 'SynaptogenNeuronForward' as const;
export const NEURON_BACKWARD = 'SynaptogenNeuronBackward' as const;

function optionsFromAttrs(attrs: tf.NamedAttrMap | undefined): NeuronOptions {
  if (typeof attrs?.options !== 'string')
    throw new Error('spikingNeuron: kernel attrs.options (JSON) is missing');
  return JSON.parse(attrs.options) as NeuronOptions;
}

function steps(shape: number[], what: string): number {
  if (shape.length < 2) throw new Error(`${what}: input must be [T, N, ...], got shape [${shape}]`);
  return shape[0];
}

export function neuronKernelConfigs(backendName: string, k: KernelInstance): tf.KernelConfig[] {
  return [
    {
      kernelName: NEURON_FORWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const what = 'spikingNeuron forward';
        const { x } = inputs as { x: tf.TensorInfo };
        checkFloat32(x, 'x', what);
        const T = steps(x.shape, what);
        const options = optionsFromAttrs(attrs);
        const io = backendIO(backend, what);
        return io.outputs([x.shape, x.shape], ([spikes, h]) => {
          neuronForward(k, io.read(x), T, options, undefined, { spikes, h });
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
        const io = backendIO(backend, what);
        return io.outputs([dy.shape], ([gradX]) => {
          neuronBackward(k, io.read(dy), io.read(h), T, options, undefined, { gradX });
        });
      },
    },
  ];
}

/**
 * A multi-step spiking neuron layer as one tfjs op: `x` is [T, N, ...], the result is the spikes
 * [T, N, ...]; its gradient is the fused BPTT with the surrogate. The membrane starts at V_reset
 * (state is not carried between calls). Needs `await useWasmSimd()` first (wasm and cpu backends).
 */
export function spikingNeuron(x: tf.Tensor, options: NeuronOptions): tf.Tensor {
  resolveNeuron(options); // validate eagerly, with the caller's stack
  const attrs = { options: JSON.stringify(options) };
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
