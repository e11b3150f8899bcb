export { type ConvGeometry, conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
export { NEURON_BACKWARD, NEURON_FORWARD, spikingNeuron } from './neuron-op.js';
export {
  type NeuronBackwardResult,
  type NeuronForwardResult,
  type NeuronOptions,
  neuronBackward,
  neuronForward,
  SURROGATES,
  type SurrogateName,
} from './neurons.js';
export { type KernelInstance, loadKernels } from './runtime.js';
export {
  type UseWasmSimdOptions,
  useWasmSimd,
  type WasmSimdKernelName,
  type WasmSimdRegistration,
} from './tfjs.js';
