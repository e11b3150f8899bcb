import './builtins.js';

export {
  BudgetedDeepR,
  type BudgetedDeepROptions,
  type BudgetedMagnitudeOptions,
  BudgetedMagnitudePruning,
  type BudgetInput,
  type BudgetVerdict,
  budgetInput,
  type ConnectivityBudget,
  isConnectivityBudget,
} from './budget/index.js';
export { BUILTIN_LEARNERS } from './builtins.js';
export { buildReport, countNonzero, measureConnectivity, ZERO_THRESHOLD } from './connectivity.js';
export type {
  AttachContext,
  LayerConnectivity,
  LearnerFactory,
  LearnerParts,
  LearnerPlugin,
  LearnerReport,
  LearnerState,
  StructureLearner,
} from './contract.js';
export { DeepR, type DeepROptions, SoftDeepR, type SoftDeepROptions } from './deepr.js';
export { Dense } from './dense.js';
export { GRADR_UPDATE, GradR, type GradROptions } from './gradr.js';
export { cubicSparsity, type MagnitudeOptions, MagnitudePruning } from './magnitude.js';
export { LearnerOptionError, OptionReader } from './options.js';
// the parts a mask learner is made of; the rest (schedules, scores, activity) on '@synaptogen/structure/parts'
export {
  MaskLearner,
  type MaskLearnerSpec,
  type ScoreContext,
  type SparsitySchedule,
  type WeightScore,
} from './parts/index.js';
export {
  assertLearner,
  assertReport,
  createLearner,
  describeLearner,
  hasLearner,
  LearnerNameTakenError,
  listLearners,
  type RegisterOptions,
  registerLearner,
  UnknownLearnerError,
} from './registry.js';
export * from './sca/index.js';
export {
  type AttachLearnerOptions,
  attachLearner,
  type OptimizerFactory,
  type SessionMeta,
  TrainingSession,
  type TrainingSessionOptions,
} from './session.js';
export { type ThetaEntry, ThetaLearner } from './theta.js';
