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
