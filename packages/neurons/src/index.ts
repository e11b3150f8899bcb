/**
 * Adding a neuron (one file, no edits elsewhere):
 *  1. Subclass `BaseNode` (or `LIFNode`…): a `kind` name and `charge(v, x)` (H from V and X), with
 *     SpikingJelly's semantics; any learnable part goes in `parameters()`.
 *  2. If H = cv·V + cx·X + c0 with constant coefficients, override `linearCharge()` in the same class:
 *     multi-step calls then run fused (one op, hand-written BPTT). Otherwise leave it null.
 *  3. Override `nativeCharge()` only when a native kernel runs exactly this charge (IF, LIF); leave
 *     it null for anything else. A subclass that redefines `charge()`/`linearCharge()` loses what its
 *     parent declared, but other hooks the charge calls (e.g. LIF's `inverseTau()`) are not checked.
 *  4. `registerNeuron('MyNeuron', (o) => new MyNode(o))`: nn's `Neuron` layer and models stored as
 *     data build it by name.
 *  5. Test it against the step-by-step path (`fused: false`) and, in an app, on wasm-simd.
 */
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
export { createNeuron, type NeuronFactory, neuronTypes, registerNeuron } from './registry.js';
export type { SequenceObserver, SequenceRecord } from './sequence-observer.js';
export {
  DEFAULT_SURROGATE_ALPHA,
  SURROGATE_NAMES,
  type Surrogate,
  type SurrogateName,
  spike,
  stopGradient,
  surrogate,
} from './surrogate.js';
