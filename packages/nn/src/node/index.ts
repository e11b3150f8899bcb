export {
  loadCheckpoint,
  type RecoveryReport,
  recoverCheckpoint,
  SAVE_STEPS,
  type SaveStep,
  saveCheckpoint,
} from './checkpoint-fs.js';
