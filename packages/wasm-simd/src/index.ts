export { wasmSimd } from './accelerator.js';
export { ADAM_UPDATE, type AdamAttrs, adamUpdate } from './adam.js';
export {
  BATCHNORM_BACKWARD,
  BATCHNORM_FORWARD,
  type BatchNormBackwardResult,
  type BatchNormForwardResult,
  batchNormBackward,
  batchNormForward,
} from './batchnorm.js';
export {
  type ConvGeometry,
  type ConvOptions,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dForward,
  winogradApplies,
  winogradUsed,
} from './conv.js';
export { GRADR_UPDATE, type GradRAttrs, gradrUpdate } from './gradr.js';
export {
  type MatMulOptions,
  matMul,
  SPARSE_MATMUL_DENSITY_MAX,
  SPARSE_WEIGHT_DENSITY_MAX,
  sparseWeightCalls,
  sparseWeightWins,
} from './matmul.js';
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
export { measureSimdPeak, type SimdPeak } from './peak.js';
export { MAXPOOL_GRAD_FIRST, maxPoolGradFirst, type PoolGeometry } from './pool.js';
export { type KernelInstance, type LoadKernelsOptions, loadKernels } from './runtime.js';
export {
  type CompilableLayer,
  type CompilableModel,
  type CompileOptions,
  compile,
  modelToSparseNetwork,
  type SparseEngine,
  type SparseLayer,
  type SparseLayerInfo,
  type SparseNetwork,
} from './sparse.js';
export {
  conv2dBackpropFilterSpikes,
  conv2dSpikes,
  SPIKE_DENSITY_MAX,
  SPIKE_FILTER_CHANNEL_DENSITY_MAX,
  SPIKE_FILTER_WINOGRAD_DENSITY_MAX,
  SPIKE_FORWARD_DENSITY_MAX,
  SPIKE_FORWARD_WINOGRAD_DENSITY_MAX,
  spikeFilterDensityMax,
  spikeForwardDensityMax,
} from './spike-conv.js';
export {
  type UseWasmSimdOptions,
  useWasmSimd,
  type WasmSimdKernelName,
  type WasmSimdRegistration,
} from './tfjs.js';
