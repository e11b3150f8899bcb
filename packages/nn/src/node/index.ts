export { loadCheckpoint, saveCheckpoint } from './checkpoint-fs.js';
