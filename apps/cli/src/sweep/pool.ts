import type { SweepPoint } from './points.js';
import { type PointOutcome, type RunPointOptions, runPoint } from './run-point.js';

export interface PoolOptions extends RunPointOptions {
  /** Points trained at once, each in its own `synaptogen train` process. */
  workers: number;
  onOutcome?: (point: SweepPoint, outcome: PointOutcome) => void;
}

/**
 * The embedded worker pool: up to `workers` points train at once, each as its own process. After
 * an abort (Ctrl-C) no new point starts, and the running ones save a checkpoint and stop.
 */
export async function runPool(
  out: string,
  points: SweepPoint[],
  o: PoolOptions,
): Promise<Map<string, PointOutcome>> {
  const outcomes = new Map<string, PointOutcome>();
  let next = 0;
  let broken = false;
  const lane = async () => {
    while (next < points.length && !o.signal?.aborted && !broken) {
      const point = points[next++];
      try {
        const outcome = await runPoint(out, point, o);
        outcomes.set(point.id, outcome);
        o.onOutcome?.(point, outcome);
      } catch (e) {
        broken = true;
        throw e;
      }
    }
  };
  // a lane that fails (disk full, the CLI gone) stops the pool once the other lanes' points end
  const lanes = await Promise.allSettled(
    Array.from({ length: Math.max(1, Math.min(o.workers, points.length)) }, lane),
  );
  const failed = lanes.find((l) => l.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes;
}
