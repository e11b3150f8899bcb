// The root: what a training script needs. Every topic has the full set on its own subpath:
// `/layers`, `/models`, `/train`, `/optim`, `/checkpoint`, `/profile`, `/backend`, and `/node` for files.
import '@synaptogen/neurons';

export { type BackendOptions, backendInfo, initBackend } from './backend.js';
export { modelTensors, restoreModel } from './checkpoint/format.js';
export { registerModel } from './models/registry.js';
export { type ModelConfig, SpikingModel } from './models/spiking-model.js';
export { type CreateModelOptions, createModel, MODEL_NAMES } from './models/zoo.js';
export { Module, type Signal } from './module.js';
export { Adam } from './optim/adam.js';
export { constantLr, stepLr } from './optim/schedule.js';
export { SGD } from './optim/sgd.js';
export type { NetworkProfile } from './profile/format.js';
export { profile } from './profile/profile.js';
export { Rng } from './rng.js';
export { DivergenceError } from './train/divergence.js';
export {
  type Batch,
  type BatchSource,
  type EpochMetrics,
  type FitOptions,
  type StepInfo,
  Trainer,
  type TrainerOptions,
  type TrainingHooks,
} from './train/trainer.js';
