import { openSweepDir, type PointFailure, type PointResult, readJson, sweepPaths } from './layout.js';
import { expandSweep, type SweepPoint } from './points.js';
import { runPool } from './pool.js';
import { checkReachable, enqueuePoints, openQueue, waitForPoints } from './queue.js';
import type { PointOutcome, PointProgress } from './run-point.js';
import type { SweepSpec } from './sweep-file.js';

export interface SweepOptions {
  /** The sweep directory: one run directory per point under `points/`, plus the sweep's records. */
  out: string;
  /** The built CLI that trains each point (`apps/cli/dist/bin.js` or the installed `synaptogen`). */
  cli: string;
  /** Embedded pool: points trained at once on this machine. */
  workers: number;
  /** `redis://host:port`: add the points to this queue for `synaptogen worker`s instead of training them here. */
  queue?: string;
  dataDir?: string;
  /** Test samples the cost of each finished point is measured on; 0: none. */
  costSamples: number;
  /** Abort (Ctrl-C): running points save a checkpoint and stop; a re-run continues them. */
  signal?: AbortSignal;
  onProgress?: (p: PointProgress) => void;
  onOutcome?: (point: SweepPoint, outcome: PointOutcome) => void;
  /** Called once the points are known: how many there are and how many are finished already. */
  onPlan?: (plan: { points: SweepPoint[]; pending: SweepPoint[] }) => void;
}

/** One line of `sweep --json`'s `points`. */
export interface SweepPointSummary {
  id: string;
  params: Record<string, unknown>;
  status: 'done' | 'failed' | 'unfinished';
  dir: string;
  testAccuracy: number | null;
  connectivity: number | null;
  message?: string;
}

/**
 * Runs a sweep: points already finished in `out` are skipped, unfinished ones resume from their
 * checkpoint, the rest start fresh — in the embedded pool, or through the queue.
 */
export async function runSweep(spec: SweepSpec, o: SweepOptions): Promise<SweepPointSummary[]> {
  const { manifest, points } = openSweepDir(o.out, expandSweep(spec));
  const paths = sweepPaths(o.out);
  const pending = points.filter((p) => !readJson(paths.result(p.id)));
  o.onPlan?.({ points, pending });
  if (pending.length) {
    if (o.queue) {
      await checkReachable(o.queue);
      const queue = openQueue(o.queue);
      try {
        await enqueuePoints(queue, manifest.id, paths.root, pending, o.costSamples);
        await waitForPoints(queue, manifest.id, paths.root, pending, o);
      } finally {
        await queue.close();
      }
    } else {
      await runPool(paths.root, pending, o);
    }
  }
  return points.map((p) => summarizePoint(o.out, p));
}

export function summarizePoint(out: string, p: SweepPoint): SweepPointSummary {
  const paths = sweepPaths(out);
  const result = readJson<PointResult>(paths.result(p.id));
  const failure = result ? null : readJson<PointFailure>(paths.failure(p.id));
  return {
    id: p.id,
    params: p.params,
    status: result ? 'done' : failure ? 'failed' : 'unfinished',
    dir: paths.point(p),
    testAccuracy: result?.testAccuracy ?? null,
    connectivity: result?.connectivity ?? null,
    ...(failure ? { message: failure.message } : {}),
  };
}
