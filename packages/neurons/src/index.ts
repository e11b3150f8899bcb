import './register-gradients.js';

export {
  FUSED_NEURON_BACKWARD,
  FUSED_NEURON_FORWARD,
  type FusedNeuron,
  fusedMultiStep,
  type LinearCharge,
  type NativeCharge,
} from './fused.js';
export { BUNDLED_GRADIENTS_VERSION, gradientVersionSkew } from './gradients-version.js';
export {
  BaseNode,
  IFNode,
  LIFNode,
  type LIFOptions,
  type NodeOptions,
  type ObserveOptions,
  ParametricLIFNode,
  type PLIFOptions,
  type StepMode,
  type StepObserver,
  type StepRecord,
} from './node.js';
export {
  DEFAULT_SURROGATE_ALPHA,
  SURROGATE_NAMES,
  type Surrogate,
  type SurrogateName,
  spike,
  stopGradient,
  surrogate,
} from './surrogate.js';
