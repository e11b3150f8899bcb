// What a training pipeline needs. The rest lives on subpaths (see the README's table):
// '/parts' (mask-learner parts), '/sca' (SCA's channel scores, masks, monitor), '/budget' (budgeted
// learners), '/plugin' (for writing a learner or a host), '/node' (loadLearner).
import './builtins.js';

export { measureConnectivity } from './connectivity.js';
export type { LearnerPlugin, LearnerReport, LearnerState, StructureLearner } from './contract.js';
export { DeepR, type DeepROptions, SoftDeepR, type SoftDeepROptions } from './deepr.js';
export { Dense } from './dense.js';
export { GradR, type GradROptions } from './gradr.js';
export { type MagnitudeOptions, MagnitudePruning } from './magnitude.js';
export { MaskLearner, type MaskLearnerSpec } from './parts/index.js';
export { createLearner, describeLearner, listLearners, registerLearner } from './registry.js';
export { compactModel, SCA, type SCAOptions } from './sca/index.js';
export {
  type AttachLearnerOptions,
  attachLearner,
  type OptimizerFactory,
  TrainingSession,
  type TrainingSessionOptions,
} from './session.js';
