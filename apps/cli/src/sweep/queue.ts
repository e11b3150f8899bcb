/**
 * Distributed sweeps through BullMQ on Redis: `sweep --queue` adds one job per unfinished point,
 * `synaptogen worker --queue` (on any machine sharing the sweep directory) takes jobs and runs each
 * point with `runPoint`. A worker that dies (kill -9, machine gone) stops renewing its job's lock;
 * another worker's stalled-job check puts the job back, and the point resumes from its checkpoint.
 */
import { connect } from 'node:net';
import { type Job, Queue, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { CliError } from '../errors.js';
import { type PointResult, readJson, sweepPaths, writeJsonOnce } from './layout.js';
import type { SweepPoint } from './points.js';
import { type PointOutcome, type PointProgress, type RunPointOptions, runPoint } from './run-point.js';

export const QUEUE_NAME = 'synaptogen-sweep';

/** What a job carries: everything a worker on another machine needs to run the point. */
export interface PointJob {
  /** The sweep directory (absolute; the same path on every machine that shares it). */
  out: string;
  point: SweepPoint;
  costSamples: number;
}

/** What a running job reports as its BullMQ progress. */
export interface JobProgressInfo {
  epochs: number;
  totalEpochs: number;
  testAccuracy?: number | null;
  connectivity?: number | null;
}

/** `redis://host:port[/db]` → BullMQ connection options; a clear line for anything else. */
export function queueConnection(url: string): { url: string; host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CliError(`--queue ${url}: expected a Redis URL such as redis://127.0.0.1:6379`, 2);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new CliError(`--queue ${url}: expected a redis:// URL, got protocol "${u.protocol}"`, 2);
  return { url, host: u.hostname || '127.0.0.1', port: Number(u.port || 6379) };
}

/** Fails with one line when nothing listens at the queue's address (ioredis would retry forever). */
export async function checkReachable(url: string, timeoutMs = 5000): Promise<void> {
  const { host, port } = queueConnection(url);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new CliError(`--queue ${url}: cannot reach Redis (${why}); is redis-server running there?`, 1));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer in ${timeoutMs / 1000} s`));
    socket.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}

export const jobId = (sweepId: string, point: SweepPoint) => `${sweepId}-${point.id}`;

export function openQueue(url: string): Queue<PointJob> {
  const { url: u } = queueConnection(url);
  return new Queue<PointJob>(QUEUE_NAME, { connection: { url: u } });
}

/**
 * Adds a job for each point. A job still waiting or running is kept (re-running `sweep` does not
 * duplicate work); a finished or failed job of an unfinished point is replaced.
 */
export async function enqueuePoints(
  queue: Queue<PointJob>,
  sweepId: string,
  out: string,
  points: SweepPoint[],
  costSamples: number,
): Promise<void> {
  for (const point of points) {
    const id = jobId(sweepId, point);
    const existing = await queue.getJob(id);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') continue;
      await existing.remove();
    }
    await queue.add('point', { out, point, costSamples }, { jobId: id, attempts: 1 });
  }
}

/**
 * Waits until every point has a recorded result or failure, reporting running jobs' progress.
 * A completed job whose result is missing here (a worker without the shared directory) has its
 * result recorded from the job's return value.
 */
export async function waitForPoints(
  queue: Queue<PointJob>,
  sweepId: string,
  out: string,
  points: SweepPoint[],
  o: {
    signal?: AbortSignal;
    pollMs?: number;
    onProgress?: (p: PointProgress) => void;
    onOutcome?: (point: SweepPoint, outcome: PointOutcome) => void;
  },
): Promise<Map<string, PointOutcome>> {
  const paths = sweepPaths(out);
  const outcomes = new Map<string, PointOutcome>();
  const lastProgress = new Map<string, string>();
  while (outcomes.size < points.length && !o.signal?.aborted) {
    for (const point of points) {
      if (outcomes.has(point.id)) continue;
      const job = await queue.getJob(jobId(sweepId, point));
      const state = job ? await job.getState() : 'unknown';
      if (state === 'completed' && job?.returnvalue?.result && !readJson(paths.result(point.id)))
        writeJsonOnce(paths.result(point.id), job.returnvalue.result);
      const result = readJson<PointResult>(paths.result(point.id));
      let outcome: PointOutcome | null = result ? { status: 'done', result, ran: true } : null;
      if (!outcome && state === 'failed')
        outcome = {
          status: 'failed',
          failure: {
            id: point.id,
            dir: point.dir,
            params: point.params,
            status: 'failed',
            exitCode: null,
            message: job?.failedReason ?? 'the job failed',
            worker: String((job as { processedBy?: string } | undefined)?.processedBy ?? '?'),
            failedAt: new Date(job?.finishedOn ?? Date.now()).toISOString(),
          },
        };
      if (outcome) {
        outcomes.set(point.id, outcome);
        o.onOutcome?.(point, outcome);
      } else if (state === 'active' && job?.progress && typeof job.progress === 'object') {
        // polled every second: pass on changes only
        const text = JSON.stringify(job.progress);
        if (lastProgress.get(point.id) !== text)
          o.onProgress?.({ point, ...(job.progress as unknown as JobProgressInfo) });
        lastProgress.set(point.id, text);
      }
    }
    if (outcomes.size < points.length) await new Promise((r) => setTimeout(r, o.pollMs ?? 1000));
  }
  return outcomes;
}

export interface WorkerOptions extends Omit<RunPointOptions, 'signal' | 'onProgress' | 'costSamples'> {
  concurrency: number;
  /** Seconds a dead worker's job stays locked before another worker takes it over. */
  lockSeconds: number;
  /** A point whose worker died this many times is marked failed. */
  maxStalls: number;
  log: (line: string) => void;
}

/**
 * A queue worker: runs points until `signal` aborts. Then the running points save their checkpoint
 * and their jobs go back to the queue for another worker.
 */
export async function runWorker(url: string, o: WorkerOptions, signal: AbortSignal): Promise<void> {
  const { url: u } = queueConnection(url);
  const processor = async (job: Job<PointJob>, token?: string) => {
    const { out, point, costSamples } = job.data;
    let last = 0;
    const report = (p: PointProgress) => {
      const now = Date.now();
      const epochEnd = p.testAccuracy !== undefined;
      if (!epochEnd && now - last < 1000) return;
      last = now;
      const info: JobProgressInfo = {
        epochs: p.epochs,
        totalEpochs: p.totalEpochs,
        testAccuracy: p.testAccuracy,
        connectivity: p.connectivity,
      };
      job.updateProgress(info as unknown as object).catch(() => {});
      if (epochEnd) o.log(`${point.dir}: epoch ${p.epochs}/${p.totalEpochs} done`);
    };
    o.log(`${point.dir}: start (job ${job.id}, attempt ${job.attemptsStarted})`);
    const outcome = await runPoint(out, point, { ...o, costSamples, signal, onProgress: report });
    if (outcome.status === 'interrupted') {
      // give the point back: another worker resumes it from the checkpoint just saved
      await job.moveToWait(token);
      throw new WaitingError();
    }
    if (outcome.status === 'failed') {
      o.log(`${point.dir}: failed: ${outcome.failure.message}`);
      throw new UnrecoverableError(outcome.failure.message);
    }
    o.log(`${point.dir}: done${outcome.ran ? '' : ' (recorded before)'}`);
    return { result: outcome.result, ran: outcome.ran };
  };
  const worker = new Worker<PointJob>(QUEUE_NAME, processor, {
    connection: { url: u, maxRetriesPerRequest: null },
    concurrency: o.concurrency,
    lockDuration: o.lockSeconds * 1000,
    stalledInterval: o.lockSeconds * 1000,
    maxStalledCount: o.maxStalls,
    autorun: false,
  });
  worker.on('error', (e) => o.log(`queue error: ${e.message}`));
  const stopped = new Promise<void>((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
  const running = worker.run();
  o.log(`worker ${worker.id} waiting for points on ${url} (queue ${QUEUE_NAME})`);
  await stopped;
  o.log('stopping: running points save a checkpoint and go back to the queue');
  await worker.close();
  await running;
}
