/**
 * The sweep directory, shared by every process that works on the sweep (pool children, queue workers
 * on other machines, `sweep --status`, `report`):
 *
 *   sweep.json          the points (id, directory, options) of every sweep run into this directory
 *   points/<dir>/       each point's `synaptogen train` run directory (its checkpoint)
 *   results/<id>.json   a finished point's result, created once and never overwritten
 *   failures/<id>.json  why a point's last attempt failed (removed when it runs again)
 *   running/<id>.json   which host and process runs a point now
 *   events.jsonl        append-only log: start, epoch, done, failed, interrupted, duplicate
 *
 * Every file is written to a temp name and renamed (or linked, for results), so a reader never sees
 * half a file and a killed writer loses nothing but its own unfinished work.
 */
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError } from '../errors.js';
import type { SweepPoint } from './points.js';

export const SWEEP_FORMAT = 'synaptogen-sweep';
export const SWEEP_FILE = 'sweep.json';

export interface SweepManifest {
  format: typeof SWEEP_FORMAT;
  version: 1;
  /** Random, made once: names this sweep's jobs in a shared queue. */
  id: string;
  createdAt: string;
  points: SweepPoint[];
}

/** What `results/<id>.json` holds: the point's train summary, reduced, plus how it was obtained. */
export interface PointResult {
  id: string;
  dir: string;
  params: Record<string, unknown>;
  status: 'done';
  testAccuracy: number | null;
  testLoss: number | null;
  connectivity: number;
  /** Raw parameter names, as train reports them (`body.1.weight`); the report makes them readable. */
  connectivityPerLayer: Record<string, number>;
  epochs: number;
  trainSeconds: number;
  /** Where the attempt that finished the point started: 0/0 for a fresh run. */
  resumedFrom: { epoch: number; batches: number };
  /** Hardware cost of the final network (`synaptogen cost`), or why it is missing. */
  cost: PointCost | { error: string } | null;
  worker: string;
  finishedAt: string;
}

export interface PointCost {
  chip: string;
  cores: number | null;
  energyPicojoules: number;
  energyPreset: string;
  denseANNPicojoules: number | null;
  samples: number;
}

export interface PointFailure {
  id: string;
  dir: string;
  params: Record<string, unknown>;
  status: 'failed';
  exitCode: number | null;
  message: string;
  worker: string;
  failedAt: string;
}

export interface RunningMark {
  host: string;
  /** The process that runs the point (pool or queue worker) and the train child. */
  pid: number;
  childPid: number | null;
  startedAt: string;
}

export interface SweepEvent {
  time: string;
  worker: string;
  point: string;
  event: 'start' | 'epoch' | 'done' | 'failed' | 'interrupted' | 'duplicate';
  [key: string]: unknown;
}

/** `host:pid`, as events and results name the process that did the work. */
export const workerName = () => `${hostname()}:${process.pid}`;

export const sweepPaths = (out: string) => {
  const root = resolve(out);
  return {
    root,
    manifest: join(root, SWEEP_FILE),
    points: join(root, 'points'),
    point: (p: SweepPoint) => join(root, 'points', p.dir),
    result: (id: string) => join(root, 'results', `${id}.json`),
    failure: (id: string) => join(root, 'failures', `${id}.json`),
    running: (id: string) => join(root, 'running', `${id}.json`),
    events: join(root, 'events.jsonl'),
  };
};

const tmpName = (file: string) => `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;

export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = tmpName(file);
  try {
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Creates `file` only if it does not exist yet (link(2) fails on an existing name, atomically, also
 * between machines on NFS): the first completion of a point is recorded, a second one is not.
 */
export function writeJsonOnce(file: string, value: unknown): boolean {
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = tmpName(file);
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

export function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** One line per event; appends of a short line are atomic on a local file system. */
export function appendEvent(out: string, e: Omit<SweepEvent, 'time' | 'worker'>): void {
  const line = JSON.stringify({ time: new Date().toISOString(), worker: workerName(), ...e });
  appendFileSync(sweepPaths(out).events, `${line}\n`);
}

export function readEvents(out: string): SweepEvent[] {
  const file = sweepPaths(out).events;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SweepEvent);
}

/** The sweep directory's manifest; a clear error when `out` is not one. */
export function readSweepManifest(out: string): SweepManifest {
  const paths = sweepPaths(out);
  if (!existsSync(paths.manifest))
    throw new CliError(
      `${out}: not a sweep directory (no ${SWEEP_FILE}); run synaptogen sweep --out ${out} first`,
      2,
    );
  let m: SweepManifest;
  try {
    m = JSON.parse(readFileSync(paths.manifest, 'utf8'));
  } catch (e) {
    throw new CliError(`${paths.manifest}: not valid JSON (${(e as Error).message})`, 2);
  }
  if (m?.format !== SWEEP_FORMAT || !Array.isArray(m.points))
    throw new CliError(`${paths.manifest}: not a synaptogen sweep manifest (format "${m?.format}")`, 2);
  return m;
}

export const isSweepDir = (dir: string) => existsSync(sweepPaths(dir).manifest);

/**
 * Creates the sweep directory or adds `points` to it: points already there keep their directory,
 * so re-running a sweep (or a larger one) finds its finished and unfinished runs.
 */
export function openSweepDir(
  out: string,
  points: SweepPoint[],
): { manifest: SweepManifest; points: SweepPoint[] } {
  const paths = sweepPaths(out);
  if (existsSync(paths.root) && !existsSync(paths.manifest) && readdirSync(paths.root).length)
    throw new CliError(
      `--out ${out}: exists and is not a sweep directory; give a new or empty directory (or an earlier sweep's --out)`,
      2,
    );
  const manifest: SweepManifest = existsSync(paths.manifest)
    ? readSweepManifest(out)
    : {
        format: SWEEP_FORMAT,
        version: 1,
        id: randomBytes(6).toString('hex'),
        createdAt: new Date().toISOString(),
        points: [],
      };
  const known = new Map(manifest.points.map((p) => [p.id, p]));
  const resolved = points.map((p) => known.get(p.id) ?? p);
  const added = resolved.filter((p) => !known.has(p.id));
  if (added.length || !existsSync(paths.manifest)) {
    manifest.points.push(...added);
    writeJsonAtomic(paths.manifest, manifest);
  }
  return { manifest, points: resolved };
}
