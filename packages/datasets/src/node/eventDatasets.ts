import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { CIFAR10_CLASS_NAMES } from '../cifar.js';
import { DatasetFormatError, DatasetNotFoundError, InvalidArgumentError } from '../errors.js';
import type { FrameOptions, SplitBy } from '../frames.js';
import { parseLabelList } from '../labelList.js';
import type { ImageDataset, Split } from '../types.js';
import { resolveDataRoot } from './dataRoot.js';
import { downloadHint } from './downloadHint.js';
import { cachedFrames, type FrameCacheOptions } from './eventFiles.js';
import { isDirectory, readBytes } from './files.js';

export interface EventDatasetOptions extends FrameCacheOptions {
  dataDir?: string;
  split: Split;
  /** Frames per sample T. Default 10. */
  timesteps?: number;
  splitBy?: SplitBy;
  /** Output frame size (down-sampling). CIFAR10-DVS default 48, N-MNIST default 34 (native). */
  frameSize?: number;
  /** Keep at most this many samples, taken round-robin over the classes. */
  limit?: number;
  /** Called after each sample is integrated (or read from the cache). */
  onProgress?: (done: number, total: number) => void;
}

export interface SampleRef {
  label: number;
  /** Display name: file or archive:member. */
  name: string;
  file: string;
  member?: string;
  read: () => Promise<Uint8Array>;
  size: number;
  mtimeMs: number;
}

/** Round-robin over classes so a small limit still covers every class. */
function limitStratified(samples: SampleRef[], classes: number, limit?: number): SampleRef[] {
  if (limit === undefined || limit >= samples.length) return samples;
  const byClass: SampleRef[][] = Array.from({ length: classes }, () => []);
  for (const s of samples) byClass[s.label].push(s);
  const out: SampleRef[] = [];
  for (let i = 0; out.length < limit; i++) {
    let any = false;
    for (const list of byClass) {
      if (i < list.length && out.length < limit) {
        out.push(list[i]);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

async function integrateAll(
  samples: SampleRef[],
  frames: FrameOptions,
  options: EventDatasetOptions,
  classes: number,
  classNames?: string[],
): Promise<ImageDataset> {
  const labels = new Uint8Array(samples.length);
  let images: Float32Array | undefined;
  let shape: number[] = [];
  let per = 0;
  // Visit samples grouped by source file (zip archives are then read once) but store them in order.
  const visit = samples
    .map((_, i) => i)
    .sort((a, b) => (samples[a].file < samples[b].file ? -1 : samples[a].file > samples[b].file ? 1 : a - b));
  let done = 0;
  for (const i of visit) {
    const s = samples[i];
    const r = await cachedFrames(s, frames, options);
    if (images && r.frames.length !== per) {
      throw new DatasetFormatError(
        'bad-size',
        `frames of ${r.shape.join('x')} differ from the first sample's ${shape.join('x')}`,
        { file: s.name },
      );
    }
    if (!images) {
      shape = r.shape;
      per = r.frames.length;
      images = new Float32Array(per * samples.length);
    }
    images.set(r.frames, i * per);
    labels[i] = s.label;
    options.onProgress?.(++done, samples.length);
  }
  const [T, C, H, W] = shape;
  return {
    images: images ?? new Float32Array(0),
    labels,
    count: samples.length,
    channels: C ?? 2,
    height: H ?? 0,
    width: W ?? 0,
    classes,
    timesteps: T ?? frames.frames,
    classNames,
  };
}

// ---------------------------------------------------------------- N-MNIST

export { parseLabelList };

function fileRef(file: string, label: number): SampleRef {
  const st = fs.statSync(file);
  return { label, name: file, file, size: st.size, mtimeMs: st.mtimeMs, read: () => readBytes(file) };
}

/** Lists N-MNIST samples: official `Train|Test/<digit>/*.bin`, or `<id>.bs2` files with `train1K.txt`. */
export function listNmnist(dataDir: string | undefined, split: Split): SampleRef[] {
  const root = resolveDataRoot(dataDir);
  const bases = [path.join(root, 'nmnist'), path.join(root, 'NMNIST'), root];
  for (const base of bases) {
    const official = path.join(base, split === 'train' ? 'Train' : 'Test');
    if (isDirectory(official)) {
      const out: SampleRef[] = [];
      for (let d = 0; d < 10; d++) {
        const dir = path.join(official, String(d));
        if (!isDirectory(dir))
          throw new DatasetFormatError('bad-layout', `missing class folder ${d}`, {
            file: dir,
            expected: 'folders 0..9',
          });
        const names = fs.readdirSync(dir).filter((f) => f.endsWith('.bin'));
        names.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.localeCompare(b));
        for (const n of names) out.push(fileRef(path.join(dir, n), d));
      }
      return out;
    }
    const zip = path.join(base, split === 'train' ? 'Train.zip' : 'Test.zip');
    if (fs.existsSync(zip)) {
      return zipSamples(
        zip,
        /(?:^|\/)(?:Train|Test)\/(\d)\/([^/]+)\.bin$/,
        (m) => Number(m[1]),
        `${split === 'train' ? 'Train' : 'Test'}/<digit>/<id>.bin`,
      ).sort((a, b) => a.label - b.label || numericName(a.member!) - numericName(b.member!));
    }
    const list = path.join(base, 'train1K.txt');
    if (split === 'train' && fs.existsSync(list)) {
      const labels = parseLabelList(fs.readFileSync(list, 'utf8'), list);
      return [...labels]
        .sort((a, b) => a[0] - b[0])
        .map(([id, label]) => fileRef(path.join(base, `${id}.bs2`), label));
    }
  }
  throw new DatasetNotFoundError(
    `N-MNIST ${split} samples not found (looked for nmnist/${split === 'train' ? 'Train' : 'Test'}/<digit>/*.bin${split === 'train' ? ' and nmnist/train1K.txt' : ''}); ${downloadHint('nmnist')}`,
    { file: bases[0] },
  );
}

/** N-MNIST as `[N, T, 2, H, W]` frames (34x34 unless down-sampled). */
export async function loadNmnist(options: EventDatasetOptions): Promise<ImageDataset> {
  const samples = limitStratified(listNmnist(options.dataDir, options.split), 10, options.limit);
  const frames: FrameOptions = {
    frames: options.timesteps ?? 10,
    splitBy: options.splitBy,
    size: options.frameSize,
  };
  const ds = await integrateAll(samples, frames, { ...options, format: 'nmnist' } as EventDatasetOptions, 10);
  return { ...ds, classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] };
}

// ---------------------------------------------------------------- CIFAR10-DVS

export type Cifar10DvsSplit = '90-10' | 'first-100-test';

export interface Cifar10DvsOptions extends EventDatasetOptions {
  /**
   * '90-10' (default): per class, files in name order (as SpikingJelly's folder dataset sorts them),
   * the first ceil(90%) train and the rest test. 'first-100-test': recordings 0–99 of each class are
   * the test set, the rest train.
   */
  splitScheme?: Cifar10DvsSplit;
}

const CIFAR10_DVS_NAME = /cifar10_([a-z]+)_(\d+)\.aedat$/;

/** Lists every CIFAR10-DVS recording per class from `<class>/` folders or `<class>.zip` archives. */
export function listCifar10Dvs(dataDir?: string): SampleRef[][] {
  const root = resolveDataRoot(dataDir);
  const base = [path.join(root, 'cifar10-dvs'), path.join(root, 'CIFAR10DVS'), root].find((b) =>
    CIFAR10_CLASS_NAMES.some((c) => isDirectory(path.join(b, c)) || fs.existsSync(path.join(b, `${c}.zip`))),
  );
  if (!base) {
    throw new DatasetNotFoundError(
      `CIFAR10-DVS not found (looked for cifar10-dvs/<class>/ folders or <class>.zip); ${downloadHint('cifar10-dvs')}`,
      { file: path.join(root, 'cifar10-dvs') },
    );
  }
  return CIFAR10_CLASS_NAMES.map((cls, label) => {
    const dir = path.join(base, cls);
    if (isDirectory(dir)) {
      const names = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.aedat'))
        .sort();
      if (names.length === 0)
        throw new DatasetFormatError('bad-layout', 'class folder has no .aedat files', {
          file: dir,
          expected: `cifar10_${cls}_<i>.aedat`,
        });
      return names.map((n) => fileRef(path.join(dir, n), label));
    }
    const zip = path.join(base, `${cls}.zip`);
    if (!fs.existsSync(zip)) {
      throw new DatasetNotFoundError(`class '${cls}' missing`, {
        file: dir,
        expected: `${cls}/ or ${cls}.zip`,
      });
    }
    return listZipMembers(zip, cls, label);
  });
}

// Class zips are large: keep only the most recently used one in memory (samples are read grouped by file).
let zipCache: { file: string; bytes: Promise<Uint8Array> } | undefined;
function lastZip(file: string): Promise<Uint8Array> {
  if (zipCache?.file !== file) zipCache = { file, bytes: readBytes(file) };
  return zipCache.bytes;
}

const numericName = (member: string) => Number.parseInt(path.posix.basename(member), 10);

/** Members of one class zip; the archive is read once and shared by its samples. */
function listZipMembers(zip: string, cls: string, label: number): SampleRef[] {
  const refs = zipSamples(
    zip,
    CIFAR10_DVS_NAME,
    (m) => (m[1] === cls ? label : -1),
    `${cls}/cifar10_${cls}_<i>.aedat`,
  );
  return refs.sort((a, b) => path.posix.basename(a.member!).localeCompare(path.posix.basename(b.member!)));
}

/** Samples stored as members of a zip whose names match `pattern`; `labelOf` < 0 skips a member. */
function zipSamples(
  zip: string,
  pattern: RegExp,
  labelOf: (m: RegExpMatchArray) => number,
  expected: string,
): SampleRef[] {
  const st = fs.statSync(zip);
  const found: { member: string; label: number }[] = [];
  // List names from the central directory without inflating anything.
  try {
    unzipSync(new Uint8Array(fs.readFileSync(zip)), {
      filter: (f) => {
        const m = f.name.match(pattern);
        const label = m ? labelOf(m) : -1;
        if (m && label >= 0) found.push({ member: f.name, label });
        return false;
      },
    });
  } catch (err: any) {
    throw new DatasetFormatError('bad-layout', `cannot read zip (${err?.message ?? err})`, {
      file: zip,
      expected: 'a zip archive',
    });
  }
  if (found.length === 0) {
    throw new DatasetFormatError('bad-layout', `zip has no ${expected} members`, {
      file: zip,
      expected: `members named ${expected}`,
    });
  }
  return found.map(({ member, label }) => ({
    label,
    name: `${zip}:${member}`,
    file: zip,
    member,
    size: st.size,
    mtimeMs: st.mtimeMs,
    read: async () => {
      const out = unzipSync(await lastZip(zip), { filter: (f) => f.name === member });
      const bytes = out[member];
      if (!bytes) throw new DatasetFormatError('bad-layout', `member ${member} vanished`, { file: zip });
      return bytes;
    },
  }));
}

/** Applies a CIFAR10-DVS split scheme to the per-class lists. */
export function splitCifar10Dvs(
  perClass: SampleRef[][],
  split: Split,
  scheme: Cifar10DvsSplit = '90-10',
): SampleRef[] {
  if (scheme !== '90-10' && scheme !== 'first-100-test') {
    throw new InvalidArgumentError(`split scheme '${scheme}'`, { expected: "'90-10' or 'first-100-test'" });
  }
  return perClass.flatMap((list) => {
    if (scheme === '90-10') {
      const pos = Math.ceil(list.length * 0.9);
      return split === 'train' ? list.slice(0, pos) : list.slice(pos);
    }
    const index = (s: SampleRef) => Number(s.name.match(CIFAR10_DVS_NAME)?.[2] ?? -1);
    return list.filter((s) => index(s) < 100 === (split === 'test'));
  });
}

/** CIFAR10-DVS as `[N, T, 2, H, W]` frames (default 48x48, SpikingJelly coordinates). */
export async function loadCifar10Dvs(options: Cifar10DvsOptions): Promise<ImageDataset> {
  const samples = limitStratified(
    splitCifar10Dvs(listCifar10Dvs(options.dataDir), options.split, options.splitScheme),
    10,
    options.limit,
  );
  const frames: FrameOptions = {
    frames: options.timesteps ?? 10,
    splitBy: options.splitBy,
    size: options.frameSize ?? 48,
  };
  return integrateAll(
    samples,
    frames,
    { ...options, format: 'aedat2' } as EventDatasetOptions,
    10,
    CIFAR10_CLASS_NAMES,
  );
}
