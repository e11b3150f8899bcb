export { type CompactionResult, type CompactOptions, compactModel, liveChannels } from './compact.js';
export { type ChannelCounts, type MaskMode, SCA, type SCAOptions, type SCAReport } from './learner.js';
export { applyChannelMasks, clearMaskedMoments, maskedParameterNames, maskGradients } from './masks.js';
export { ActivityMonitor } from './monitor.js';
export {
  type ChannelScore,
  type ChannelScoreFn,
  getChannelScore,
  listChannelScores,
  registerChannelScore,
} from './scores.js';
export { type Selection, type SelectionInput, selectChannels } from './select.js';
