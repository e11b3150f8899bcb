import '@synaptogen/neurons';

export {
  type Accelerator,
  type AcceleratorInfo,
  type BackendInfo,
  type BackendName,
  type BackendOptions,
  backendInfo,
  initBackend,
} from './backend.js';
export {
  CHECKPOINT_FORMAT,
  type CheckpointData,
  CheckpointError,
  type CheckpointManifest,
  type DecodedTensor,
  decodeCheckpoint,
  decodeCheckpointArrays,
  encodeCheckpoint,
  loadModelTensors,
  MANIFEST_FILE,
  manifestDigestText,
  modelTensors,
  restoreModel,
  type TensorEntry,
  validateManifest,
} from './checkpoint/format.js';
export { BatchNorm, BatchNorm1d, BatchNorm2d, type BatchNormOptions } from './layers/batchnorm.js';
export { conv2dTrainable, filterGradient } from './layers/conv-route.js';
export { Conv2d, type Conv2dOptions } from './layers/conv2d.js';
export { GlobalAvgPool } from './layers/global-pool.js';
export { LeakyIntegrator } from './layers/leaky-integrator.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { createNode, Neuron, type NeuronSpec, type RegisteredNeuronSpec } from './layers/neuron.js';
export { PreActBlock } from './layers/preact-block.js';
export { Scale } from './layers/scale.js';
export { Sequential } from './layers/sequential.js';
export { AvgPool2d, Dropout, Flatten, GroupAverage, MaxPool2d } from './layers/shape.js';
export { SumPool2d } from './layers/sum-pool.js';
export { Threshold } from './layers/threshold.js';
export { type ChannelConsumer, type ChannelGroup, channelGroups } from './models/channel-groups.js';
export {
  type BuildLayersOptions,
  bodyInputShape,
  buildLayers,
  describeLayer,
  describeLayers,
  type LayerSpec,
  type NeuronSpecData,
  neuronSpec,
  neuronSpecData,
} from './models/layer-spec.js';
export {
  type ModelDefinition,
  modelDefinition,
  type RegisterModelOptions,
  registeredModelNames,
  registerModel,
} from './models/registry.js';
export { type LossName, type ModelConfig, SpikingModel } from './models/spiking-model.js';
export {
  buildModel,
  type CreateModelOptions,
  createModel,
  MODEL_NAMES,
  MODELS,
  UnknownModelError,
} from './models/zoo.js';
export { type ForwardContext, Module, type Signal } from './module.js';
export { Adam, type AdamOptions } from './optim/adam.js';
export { Optimizer, type OptimizerState, type Penalties, Slots } from './optim/optimizer.js';
export { constantLr, type LrSchedule, stepLr } from './optim/schedule.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export {
  type Conv2dLayerProfile,
  type LayerActivity,
  type LayerProfile,
  type LinearLayerProfile,
  type NetworkProfile,
  PROFILE_VERSION,
  type ProfileShape3,
} from './profile/format.js';
export {
  type ProfileOptions,
  type ProfileWeightsOptions,
  profile,
  profileWeights,
  ZERO_WEIGHT,
} from './profile/profile.js';
export { Rng } from './rng.js';
export {
  DivergenceError,
  DivergenceGuard,
  type DivergenceOptions,
  type ExplodedWeights,
  type StepPlace,
} from './train/divergence.js';
export { crossEntropy, LOSSES, type LossFn, lossByName, mseRate } from './train/loss.js';
export {
  estimateStepMemory,
  measureStepMemory,
  type StepMemoryEstimate,
  type StepMemoryOptions,
  WASM_HEAP_LIMIT,
  wasmHeapBytes,
} from './train/memory.js';
export {
  type Batch,
  type BatchSource,
  type EpochInfo,
  type EpochMetrics,
  type EpochOptions,
  type EpochTotals,
  type FitOptions,
  type StepInfo,
  Trainer,
  type TrainerOptions,
  type TrainingHooks,
} from './train/trainer.js';
