// The root: the engine for @synaptogen/nn (`wasmSimd()`), registering its kernels on tfjs' wasm backend, and
// the event-driven sparse inference engine. Each kernel called directly is on `/kernels`; the density
// thresholds and dispatch predicates the kernels choose a path by are on `/tuning`.
export { wasmSimd } from './accelerator.js';
export { spikingNeuron } from './neuron-op.js';
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
  type UseWasmSimdOptions,
  useWasmSimd,
  type WasmSimdKernelName,
  type WasmSimdRegistration,
} from './tfjs.js';
