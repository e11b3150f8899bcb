// `@synaptogen/nn/profile`: measuring a trained model's activity and weights into the network profile that
// @synaptogen/hardware costs, and the profile's types.
export {
  type Conv2dLayerProfile,
  type LayerActivity,
  type LayerProfile,
  type LinearLayerProfile,
  type NetworkProfile,
  PROFILE_VERSION,
  type ProfileShape3,
} from './format.js';
export {
  type ProfileOptions,
  type ProfileWeightsOptions,
  profile,
  profileWeights,
  ZERO_WEIGHT,
} from './profile.js';
