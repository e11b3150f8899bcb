export { CHANNEL_SCORE_TABLE, channelScoreId, type NativeChannelScoreName } from './channel-scores.js';
export {
  ADAM_UPDATE,
  BATCHNORM_TRAIN,
  BATCHNORM_TRAIN_GRAD,
  CHANNEL_SCORE_SUMS,
  type ChannelScoreSumsAttrs,
  GRADR_UPDATE,
  type KernelName,
  MAXPOOL_GRAD_FIRST_MAX,
  NEURON_BACKWARD,
  NEURON_FORWARD,
  type NeuronKernelAttrs,
} from './kernels.js';
export {
  type Conv2dLayerProfile,
  type InputKind,
  type LayerActivity,
  type LayerProfile,
  type LinearLayerProfile,
  type NetworkProfile,
  PROFILE_VERSION,
  type Shape3,
  type WeightPattern,
} from './network-profile.js';
export {
  CHARGE_FORM_TABLE,
  type ChargeFormName,
  type KernelCharge,
  kernelChargeOf,
  type LinearCharge,
  linearChargeOf,
  NEURON_CHARGE_KINDS,
  NEURON_KERNEL_OPTION_KEYS,
  type NeuronCharge,
  type NeuronKernelOptions,
  neuronKernelOptionsError,
} from './neuron-charge.js';
export {
  DEFAULT_SURROGATE_ALPHA,
  SURROGATE_NAMES,
  SURROGATE_TABLE,
  type SurrogateName,
  surrogateId,
} from './surrogates.js';
