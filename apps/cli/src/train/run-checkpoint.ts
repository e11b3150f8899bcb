import { basename } from 'node:path';
import { saveCheckpoint } from '@synaptogen/nn/node';
import type { TrainingSession } from '@synaptogen/structure';
import type { RunState } from './run-state.js';

/** Saves the session (model, optimizer, learner) and the run's progress as one checkpoint directory. */
export async function saveRun(
  dir: string,
  session: TrainingSession,
  learnerSource: string,
  state: RunState,
): Promise<void> {
  const { tensors, meta } = session.snapshot();
  await saveCheckpoint(dir, session.model.config, tensors, {
    run: state,
    optimizer: meta.optimizer,
    learner: { ...meta.learner, source: learnerSource },
    name: basename(dir),
  });
}
