// Node-only: loading a learner plugin from a file or package. The built-ins are registered first, so
// a plugin that takes a built-in's name is caught.
import '../builtins.js';

export { type ChannelScorePlugin, loadChannelScore } from './load-channel-score.js';
export { type LoadLearnerOptions, loadLearner } from './load-learner.js';
