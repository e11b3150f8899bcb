export {
  type MaskCompanion,
  MaskLearner,
  type MaskLearnerSpec,
  type MaskOptions,
} from './mask-learner.js';
export { PresynapticRates } from './presynaptic-rates.js';
export {
  constantSparsity,
  cubicSparsity,
  linearSparsity,
  type PruningWindow,
  type SparsitySchedule,
} from './schedules.js';
export { magnitudeScore, type ScoreContext, taylorScore, type WeightScore } from './scores.js';
