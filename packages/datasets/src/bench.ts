// Benchmarks of the data pipeline next to NumPy doing the same work (Node only).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAedat2 } from './aedat2.js';
import { batches } from './batching.js';
import { integrateFrames, type SplitBy } from './frames.js';
import { loadCifar } from './node/cifar.js';

export interface BenchResult {
  benchmark: 'events-to-frames' | 'cifar10-batches';
  impl: 'synaptogen' | 'numpy';
  seconds_best: number;
  events?: number;
  events_per_s?: number;
  batches?: number;
  batches_per_s?: number;
  [key: string]: unknown;
}

export interface EventsBenchOptions {
  /** AEDAT 2.0 DVS128 recordings (e.g. `<data>/dvs128/*.aedat`). */
  files: string[];
  frames?: number;
  splitBy?: SplitBy;
  repeats?: number;
}

/** Reads, parses and integrates every file into [T, 2, 128, 128] frames; best of `repeats`. */
export function benchEventsToFrames(o: EventsBenchOptions): BenchResult {
  const frames = o.frames ?? 10;
  let best = Number.POSITIVE_INFINITY;
  let events = 0;
  let checksum = 0;
  for (let r = 0; r < (o.repeats ?? 5); r++) {
    const t0 = performance.now();
    events = 0;
    for (const f of o.files) {
      const buf = fs.readFileSync(f);
      const ev = parseAedat2(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), f);
      const out = integrateFrames(ev, { frames, splitBy: o.splitBy ?? 'number' });
      checksum += out[out.length >> 1];
      events += ev.count;
    }
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return {
    benchmark: 'events-to-frames',
    impl: 'synaptogen',
    node: process.version,
    files: o.files.length,
    events,
    frames,
    seconds_best: Number(best.toFixed(4)),
    events_per_s: Math.round(events / best),
    checksum,
  };
}

export interface CifarBenchOptions {
  /** Data root or folder with cifar-10-batches-bin. */
  dataDir?: string;
  batchSize?: number;
  epochs?: number;
}

/** Epochs of shuffled, augmented (crop 4 + flip), normalised CIFAR-10 batches; best epoch. */
export async function benchCifarBatches(o: CifarBenchOptions = {}): Promise<BenchResult> {
  const ds = await loadCifar({ dataDir: o.dataDir, split: 'train', allowMissingBatches: true });
  const batchSize = o.batchSize ?? 128;
  let best = Number.POSITIVE_INFINITY;
  let n = 0;
  for (let e = 0; e < (o.epochs ?? 3); e++) {
    const t0 = performance.now();
    n = 0;
    for await (const b of batches(ds, {
      batchSize,
      seed: 0,
      epoch: e,
      augment: { cropPadding: 4, flip: true },
      normalize: true,
    })) {
      if (b.inputs.length === 0) throw new Error('empty batch');
      n++;
    }
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return {
    benchmark: 'cifar10-batches',
    impl: 'synaptogen',
    node: process.version,
    samples: ds.count,
    batch_size: batchSize,
    batches: n,
    seconds_best: Number(best.toFixed(4)),
    batches_per_s: Number((n / best).toFixed(1)),
  };
}

const PYTHON = '/usr/bin/python3';

/** True when Debian's python3 can import numpy; with `install`, tries `apt-get install python3-numpy` first. */
export function ensureNumpy(install = false): boolean {
  const ok = () => spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
  if (ok() || !install) return ok();
  spawnSync('apt-get', ['install', '-y', '-q', 'python3-numpy'], { stdio: 'ignore' });
  return ok();
}

function runPython(args: string[]): BenchResult {
  const res = spawnSync(PYTHON, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (res.status !== 0)
    throw new Error(`${args[0]} failed: ${res.stderr.trim().split('\n').slice(-2).join(' ')}`);
  const line = res.stdout
    .trim()
    .split('\n')
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${args[0]} printed no JSON`);
  return JSON.parse(line) as BenchResult;
}

/** The NumPy reference for events → frames (`peer/events_numpy.py` of the shared folder). */
export function numpyEventsToFrames(o: EventsBenchOptions & { script: string }): BenchResult {
  return runPython([
    o.script,
    ...o.files,
    '--frames',
    String(o.frames ?? 10),
    '--repeats',
    String(o.repeats ?? 5),
  ]);
}

/** The NumPy counterpart of benchCifarBatches (`bench/cifar_numpy.py` in this package), on one batch file. */
export function numpyCifarBatches(o: { file: string; batchSize?: number; epochs?: number }): BenchResult {
  const script = fileURLToPath(new URL('../bench/cifar_numpy.py', import.meta.url));
  return runPython([
    script,
    o.file,
    '--batch-size',
    String(o.batchSize ?? 128),
    '--epochs',
    String(o.epochs ?? 3),
  ]);
}

/** Every `.aedat` under `<dataRoot>/dvs128`. */
export function dvs128Files(dataRoot: string): string[] {
  const dir = path.join(dataRoot, 'dvs128');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.aedat'))
    .sort()
    .map((f) => path.join(dir, f));
}
