/**
 * `@synaptogen/wasm-simd/kernels`: every kernel as a function over a loaded kernel instance, and the tfjs
 * kernel names they register under.
 *
 * @module kernels
 */
export { ADAM_UPDATE, type AdamAttrs, adamUpdate } from '../adam.js';
export {
  BATCHNORM_BACKWARD,
  BATCHNORM_FORWARD,
  type BatchNormBackwardResult,
  type BatchNormForwardResult,
  batchNormBackward,
  batchNormForward,
} from '../batchnorm.js';
export { CHANNEL_SCORE_SUMS, channelScoreSumsReference } from '../channel-scores.js';
export {
  type ConvGeometry,
  type ConvOptions,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dForward,
} from '../conv.js';
export { GRADR_UPDATE, type GradRAttrs, gradrUpdate } from '../gradr.js';
export { type MatMulOptions, matMul } from '../matmul.js';
export { NEURON_BACKWARD, NEURON_FORWARD, spikingNeuron } from '../neuron-op.js';
export {
  type NeuronBackwardResult,
  type NeuronForwardResult,
  type NeuronOptions,
  neuronBackward,
  neuronForward,
  SURROGATES,
} from '../neurons.js';
export { MAXPOOL_GRAD_FIRST, maxPoolGradFirst, type PoolGeometry } from '../pool.js';
export { type KernelInstance, type LoadKernelsOptions, loadKernels } from '../runtime.js';
export { conv2dBackpropFilterSpikes, conv2dSpikes } from '../spike-conv.js';
