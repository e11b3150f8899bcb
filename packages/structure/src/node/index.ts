export * from '../index.js';
export { type LoadLearnerOptions, loadLearner } from './load-learner.js';
