import { hostname } from 'node:os';
import type { Queue } from 'bullmq';
import {
  type PointFailure,
  type PointResult,
  type RunningMark,
  readJson,
  readSweepManifest,
  sweepPaths,
} from './layout.js';
import type { SweepPoint } from './points.js';
import { jobId, type PointJob } from './queue.js';
import { readRunState } from './run-state.js';
import { trainDefault } from './train-flags.js';

export type PointStatus = 'done' | 'failed' | 'running' | 'queued' | 'partial' | 'pending';

export interface PointStatusRow {
  id: string;
  /** The point's run directory (absolute). */
  dir: string;
  params: Record<string, unknown>;
  status: PointStatus;
  /** Epochs in the checkpoint, and the point's target. */
  epochsDone: number;
  epochs: number;
  testAccuracy: number | null;
  connectivity: number | null;
  /** Failure message, or which host and process runs the point. */
  note: string | null;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Running on this host: its process is alive; on another host: the queue knows, or the mark is trusted. */
function runningNote(mark: RunningMark | null): string | null {
  if (!mark) return null;
  if (mark.host !== hostname()) return `on ${mark.host} (pid ${mark.pid})`;
  return alive(mark.pid) && (mark.childPid === null || alive(mark.childPid)) ? `pid ${mark.pid}` : null;
}

/** Where each point of a sweep directory stands; with the queue, also which jobs wait or run. */
export async function sweepStatus(out: string, queue?: Queue<PointJob>): Promise<PointStatusRow[]> {
  const manifest = readSweepManifest(out);
  const paths = sweepPaths(out);
  const rows: PointStatusRow[] = [];
  for (const p of manifest.points as SweepPoint[]) {
    const result = readJson<PointResult>(paths.result(p.id));
    const failure = readJson<PointFailure>(paths.failure(p.id));
    const state = readRunState(paths.point(p));
    const epochs = Number(p.params.epochs ?? trainDefault('epochs'));
    const jobState = queue ? await (await queue.getJob(jobId(manifest.id, p)))?.getState() : undefined;
    const running = runningNote(readJson<RunningMark>(paths.running(p.id)));
    let status: PointStatus;
    let note: string | null = null;
    if (result) status = 'done';
    else if (jobState === 'active' || (running && !jobState)) {
      status = 'running';
      note = running;
    } else if (failure) {
      status = 'failed';
      note = failure.message;
    } else if (jobState === 'waiting' || jobState === 'delayed' || jobState === 'prioritized')
      status = 'queued';
    else status = state.exists ? 'partial' : 'pending';
    rows.push({
      id: p.id,
      dir: paths.point(p),
      params: p.params,
      status,
      epochsDone: result ? result.epochs : state.completedEpochs,
      epochs,
      testAccuracy: result?.testAccuracy ?? null,
      connectivity: result?.connectivity ?? null,
      note,
    });
  }
  return rows;
}
