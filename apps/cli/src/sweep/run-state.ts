import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How far a point's run directory got, from its checkpoint's `meta.run` (no tensors read). */
export interface RunState {
  /** A checkpoint exists: continue it with `train --resume`. */
  exists: boolean;
  completedEpochs: number;
  /** Batches of the next epoch already trained (a run stopped by Ctrl-C mid-epoch). */
  batches: number;
}

export function readRunState(dir: string): RunState {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return { exists: false, completedEpochs: 0, batches: 0 };
  // train writes the checkpoint directory by rename, so a manifest that exists is complete
  const run = JSON.parse(readFileSync(file, 'utf8'))?.meta?.run as
    | { completedEpochs?: number; interrupted?: { epoch: number; batches: number } }
    | undefined;
  const completedEpochs = Number(run?.completedEpochs ?? 0);
  const batches = run?.interrupted?.epoch === completedEpochs ? Number(run.interrupted.batches) : 0;
  return { exists: true, completedEpochs, batches };
}
