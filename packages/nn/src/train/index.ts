// `@synaptogen/nn/train`: the BPTT trainer with its hooks and metrics, the losses, the divergence guard and
// the step memory estimate.
import '@synaptogen/neurons';

export {
  DivergenceError,
  DivergenceGuard,
  type DivergenceOptions,
  type ExplodedWeights,
  type StepPlace,
} from './divergence.js';
export { crossEntropy, LOSSES, type LossFn, lossByName, mseRate } from './loss.js';
export {
  estimateStepMemory,
  measureStepMemory,
  type StepMemoryEstimate,
  type StepMemoryOptions,
  WASM_HEAP_LIMIT,
  wasmHeapBytes,
} from './memory.js';
export { recalibrateBatchNorm } from './recalibrate.js';
export {
  type Batch,
  type BatchSource,
  type EpochInfo,
  type EpochMetrics,
  type EpochOptions,
  type EpochTotals,
  type FitOptions,
  type RecalibrateEvery,
  type StepInfo,
  Trainer,
  type TrainerOptions,
  type TrainingHooks,
} from './trainer.js';
