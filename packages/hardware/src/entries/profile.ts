/**
 * `@synaptogen/hardware/profile`: the network profile format (validation, shapes, weight patterns), building
 * one from layers and weights, and its JSON form.
 *
 * @module profile
 */
export {
  ActivityAccumulator,
  activityFromTensor,
  buildProfile,
  type CommonLayerOptions,
  chwToHwc,
  conv2dLayer,
  convOIHWToHWIO,
  linearLayer,
  linearOutInToInOut,
  nonzeroMask,
  type Padding,
} from '../layout.js';
export {
  type Conv2dLayerProfile,
  type InputKind,
  inputShape3,
  inputSize,
  type LayerActivity,
  type LayerProfile,
  type LinearLayerProfile,
  type NetworkProfile,
  outputShape3,
  outputSize,
  PROFILE_VERSION,
  ProfileError,
  type Shape3,
  validateProfile,
  type WeightPattern,
  weightCount,
} from '../profile.js';
export {
  type EncodedArray,
  parseProfile,
  profileFromJSON,
  profileToJSON,
  stringifyProfile,
} from '../serialize.js';
