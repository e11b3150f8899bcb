// Benchmarks of the data pipeline next to NumPy doing the same work (Node only).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAedat2 } from './aedat2.js';
import { batches } from './batching.js';
import { CIFAR_STATS, parseCifarBatch } from './cifar.js';
import { integrateFrames } from './frames.js';
import { readBytes } from './node/files.js';
import type { ImageDataset } from './types.js';

export interface BenchResult {
  benchmark: 'events-to-frames' | 'cifar10-batches';
  impl: 'synaptogen' | 'numpy';
  /** Best wall-clock time of one repeat (or epoch). */
  seconds_best: number;
  /** Best CPU time (user + system, all threads) of one repeat: steadier than wall time on a loaded machine. */
  cpu_seconds_best: number;
  events?: number;
  events_per_s?: number;
  /** events / cpu_seconds_best */
  events_per_cpu_s?: number;
  batches?: number;
  batches_per_s?: number;
  /** batches / cpu_seconds_best */
  batches_per_cpu_s?: number;
  [key: string]: unknown;
}

export interface EventsBenchOptions {
  /** AEDAT 2.0 DVS128 recordings (e.g. `<data>/dvs128/*.aedat`). */
  files: string[];
  /** Frames T, split by event count (what the NumPy counterpart does too). Default 10. */
  frames?: number;
  repeats?: number;
}

/** CPU seconds (user + system, every thread of the process) since `start`. */
function cpuSeconds(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

/** Reads, parses and integrates every file into [T, 2, 128, 128] frames; best of `repeats`. */
export function benchEventsToFrames(o: EventsBenchOptions): BenchResult {
  const frames = o.frames ?? 10;
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  let events = 0;
  let checksum = 0;
  for (let r = 0; r < (o.repeats ?? 5); r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    events = 0;
    for (const f of o.files) {
      const buf = fs.readFileSync(f);
      const ev = parseAedat2(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), f);
      const out = integrateFrames(ev, { frames, splitBy: 'number' });
      checksum += out[out.length >> 1];
      events += ev.count;
    }
    best = Math.min(best, (performance.now() - t0) / 1000);
    bestCpu = Math.min(bestCpu, cpuSeconds(c0));
  }
  return {
    benchmark: 'events-to-frames',
    impl: 'synaptogen',
    node: process.version,
    files: o.files.length,
    events,
    frames,
    seconds_best: Number(best.toFixed(4)),
    cpu_seconds_best: Number(bestCpu.toFixed(4)),
    events_per_s: Math.round(events / best),
    events_per_cpu_s: Math.round(events / bestCpu),
    checksum,
  };
}

export interface CifarBenchOptions {
  /** One CIFAR-10 binary batch file (10000 records), e.g. `cifarBatchFile(dataRoot)`; NumPy reads the same. */
  file: string;
  batchSize?: number;
  /** Timed epochs (the best counts). Default 5. */
  epochs?: number;
  /** Untimed epochs first, so V8 has optimised the hot loops (NumPy needs none). Default 2. */
  warmup?: number;
}

/** `<dataRoot>/cifar10/cifar-10-batches-bin/data_batch_1.bin`. */
export const cifarBatchFile = (dataRoot: string) =>
  path.join(dataRoot, 'cifar10', 'cifar-10-batches-bin', 'data_batch_1.bin');

/** Epochs of shuffled, augmented (crop 4 + flip), normalised CIFAR-10 batches over one batch file; best epoch. */
export async function benchCifarBatches(o: CifarBenchOptions): Promise<BenchResult> {
  const records = parseCifarBatch(new Uint8Array(await readBytes(o.file)), 'cifar10', o.file);
  const ds: ImageDataset = {
    images: records.images,
    labels: records.labels,
    count: records.count,
    channels: 3,
    height: 32,
    width: 32,
    classes: 10,
    ...CIFAR_STATS.cifar10,
  };
  const batchSize = o.batchSize ?? 128;
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  let n = 0;
  let checksum = 0;
  const warmup = o.warmup ?? 2;
  for (let e = 0; e < warmup + (o.epochs ?? 5); e++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    n = 0;
    for await (const b of batches(ds, {
      batchSize,
      seed: 0,
      epoch: e,
      augment: { cropPadding: 4, flip: true },
      normalize: true,
    })) {
      checksum += b.inputs[b.inputs.length >> 1];
      n++;
    }
    if (e >= warmup) {
      best = Math.min(best, (performance.now() - t0) / 1000);
      bestCpu = Math.min(bestCpu, cpuSeconds(c0));
    }
  }
  return {
    benchmark: 'cifar10-batches',
    impl: 'synaptogen',
    node: process.version,
    samples: ds.count,
    batch_size: batchSize,
    batches: n,
    seconds_best: Number(best.toFixed(4)),
    cpu_seconds_best: Number(bestCpu.toFixed(4)),
    batches_per_s: Number((n / best).toFixed(1)),
    batches_per_cpu_s: Number((n / bestCpu).toFixed(1)),
    checksum,
  };
}

/** Debian's interpreter: the one `apt-get install python3-numpy` equips. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export interface NumpyCheck {
  /** NumPy imports in `python`. */
  available: boolean;
  python: string;
  version?: string;
  /** This call installed python3-numpy with apt-get. */
  installed: boolean;
  /** Why NumPy is missing, or how it was found; for logs. */
  message: string;
}

export interface EnsureNumpyOptions {
  /** Try `apt-get install -y python3-numpy` when NumPy is absent (only as root, only where apt-get exists). */
  install?: boolean;
  python?: string;
  log?: (line: string) => void;
}

function numpyVersion(python: string): string | undefined {
  const r = spawnSync(python, ['-c', 'import numpy; print(numpy.__version__)'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Checks that `python` (default Debian's python3) imports NumPy. With `install`, a missing NumPy is
 * installed from Debian (`apt-get install python3-numpy`, after `apt-get update` if the first try fails),
 * but only when running as root on a machine with apt-get; otherwise the message says what to do.
 */
export function ensureNumpy(options: EnsureNumpyOptions = {}): NumpyCheck {
  const python = options.python ?? DEBIAN_PYTHON;
  const found = numpyVersion(python);
  if (found) return { available: true, python, version: found, installed: false, message: `numpy ${found}` };
  const manual = 'install it with `apt-get install -y python3-numpy` to get the NumPy column';
  if (!options.install)
    return { available: false, python, installed: false, message: `no numpy in ${python}; ${manual}` };
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!hasApt || !isRoot) {
    const why = hasApt ? 'not running as root' : 'apt-get not found';
    return {
      available: false,
      python,
      installed: false,
      message: `no numpy in ${python} (${why}); ${manual}`,
    };
  }
  const apt = (args: string[]) =>
    spawnSync('apt-get', args, {
      stdio: 'ignore',
      timeout: 300_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    }).status === 0;
  const install = ['install', '-y', '-q', '--no-install-recommends', 'python3-numpy'];
  options.log?.('numpy: absent, running apt-get install -y python3-numpy');
  if (!apt(install)) {
    options.log?.('numpy: install failed, running apt-get update and trying again');
    if (apt(['update', '-q'])) apt(install);
  }
  const version = numpyVersion(python);
  return version
    ? {
        available: true,
        python,
        version,
        installed: true,
        message: `numpy ${version} (installed with apt-get)`,
      }
    : {
        available: false,
        python,
        installed: false,
        message: `apt-get could not install python3-numpy (offline?); ${manual}`,
      };
}

function runPython(python: string, args: string[]): BenchResult {
  const res = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 240_000 });
  if (res.status !== 0)
    throw new Error(`${args[0]} failed: ${(res.stderr ?? '').trim().split('\n').slice(-2).join(' ')}`);
  const line = res.stdout
    .trim()
    .split('\n')
    .find((l) => l.startsWith('{'));
  if (!line) throw new Error(`${args[0]} printed no JSON`);
  return JSON.parse(line) as BenchResult;
}

/** A script shipped in this package's `bench/` folder. */
export const benchScript = (name: string) => fileURLToPath(new URL(`../bench/${name}`, import.meta.url));

/**
 * The NumPy counterpart of benchEventsToFrames (`bench/events_numpy.py`: the faster of a per-frame and
 * a single bincount). `script` may point at another implementation with the same arguments and output.
 */
export function numpyEventsToFrames(
  o: EventsBenchOptions & {
    script?: string;
    python?: string;
    /** Also write the first file's frames to this `.npy` (to check both sides compute the same). */
    dump?: string;
  },
): BenchResult {
  return runPython(o.python ?? DEBIAN_PYTHON, [
    o.script ?? benchScript('events_numpy.py'),
    ...o.files,
    '--frames',
    String(o.frames ?? 10),
    '--repeats',
    String(o.repeats ?? 5),
    ...(o.dump ? ['--dump', o.dump] : []),
  ]);
}

/** The NumPy counterpart of benchCifarBatches (`bench/cifar_numpy.py`: the fastest of three vectorisations), on one batch file. */
export function numpyCifarBatches(o: {
  file: string;
  batchSize?: number;
  epochs?: number;
  python?: string;
}): BenchResult {
  return runPython(o.python ?? DEBIAN_PYTHON, [
    benchScript('cifar_numpy.py'),
    o.file,
    '--batch-size',
    String(o.batchSize ?? 128),
    '--epochs',
    String(o.epochs ?? 5),
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

/**
 * Runs our measurement and NumPy's alternately for `rounds` rounds and keeps, for each side, the
 * round with the best wall time (its CPU figures come with it), so both see the same background load.
 */
export async function sideBySide(
  rounds: number,
  ours: (round: number) => BenchResult | Promise<BenchResult>,
  numpy?: (round: number) => BenchResult,
): Promise<{ ours: BenchResult; numpy?: BenchResult }> {
  let a: BenchResult | undefined;
  let b: BenchResult | undefined;
  for (let r = 0; r < rounds; r++) {
    const x = await ours(r);
    if (!a || x.seconds_best < a.seconds_best) a = x;
    if (numpy) {
      const y = numpy(r);
      if (!b || y.seconds_best < b.seconds_best) b = y;
    }
  }
  if (!a) throw new RangeError(`rounds must be >= 1, got ${rounds}`);
  return { ours: { ...a, rounds }, numpy: b && { ...b, rounds } };
}
