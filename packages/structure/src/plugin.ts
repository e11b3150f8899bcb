// For writing a learner or a host: the rest of the contract, the registry's checks and errors, the
// option reader, report helpers and the θ-learner base class. Entry point '@synaptogen/structure/plugin'.
export { BUILTIN_LEARNERS } from './builtins.js';
export { buildReport, countNonzero, ZERO_THRESHOLD } from './connectivity.js';
export type { AttachContext, LayerConnectivity, LearnerFactory, LearnerParts } from './contract.js';
export { GRADR_UPDATE } from './gradr.js';
export { LearnerOptionError, OptionReader } from './options.js';
export {
  assertLearner,
  assertReport,
  hasLearner,
  LearnerNameTakenError,
  type RegisterOptions,
  UnknownLearnerError,
} from './registry.js';
export type { SessionMeta } from './session.js';
export { type ThetaEntry, ThetaLearner } from './theta.js';
