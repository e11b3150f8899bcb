// `@synaptogen/nn/models`: the model zoo, registering custom models, the layer specs a checkpoint stores
// and their builders, and the channel groups structure learning prunes.
import '@synaptogen/neurons';

export { type ChannelConsumer, type ChannelGroup, channelGroups } from './channel-groups.js';
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
} from './layer-spec.js';
export {
  type ModelDefinition,
  modelDefinition,
  type RegisterModelOptions,
  registeredModelNames,
  registerModel,
} from './registry.js';
export { type LossName, type ModelConfig, SpikingModel } from './spiking-model.js';
export {
  buildModel,
  type CreateModelOptions,
  createModel,
  MODEL_NAMES,
  MODELS,
  UnknownModelError,
} from './zoo.js';
