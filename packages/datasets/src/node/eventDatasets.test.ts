import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAedat2 } from '../aedat2.js';
import { CIFAR10_CLASS_NAMES } from '../cifar.js';
import { DatasetFormatError, DatasetNotFoundError } from '../errors.js';
import { integrateFrames } from '../frames.js';
import { parseNmnist } from '../nmnist.js';
import { decodeNpy } from '../npy.js';
import { DATA_ROOT, sameBytes } from '../test/dataRoot.js';
import { listCifar10Dvs, loadCifar10Dvs, parseLabelList } from './eventDatasets.js';
import { eventFileFrames, frameCachePath, writeNpy } from './eventFiles.js';
import { loadDataset } from './loadDataset.js';
import { loadMnist } from './mnist.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synaptogen-events-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cacheDir = path.join(tmp, 'cache');

describe('N-MNIST dataset from the real files', () => {
  it('reads labels from train1K.txt; each equals the MNIST train label of index id-1', async () => {
    const text = fs.readFileSync(path.join(DATA_ROOT, 'nmnist', 'train1K.txt'), 'utf8');
    const labels = parseLabelList(text, 'train1K.txt');
    expect(labels.size).toBe(1000);
    expect([labels.get(1), labels.get(2)]).toEqual([5, 0]);
    const mnist = await loadMnist({ dataDir: DATA_ROOT, split: 'train', limit: 1000 });
    for (const [id, label] of labels) expect(label).toBe(mnist.labels[id - 1]);
    expect(() => parseLabelList('1\t5\n2 x\n', 'bad.txt')).toThrow(/bad.txt: line 2 is '2 x'/);
  });

  it('integrates every sample to [T, 2, 34, 34] with per-sample totals equal to the event counts', async () => {
    const ds = await loadDataset('nmnist', { dataDir: DATA_ROOT, split: 'train', timesteps: 4, cacheDir });
    expect(ds.count).toBe(1000);
    expect([ds.timesteps, ds.channels, ds.height, ds.width]).toEqual([4, 2, 34, 34]);
    expect(ds.images).toBeInstanceOf(Float32Array);
    const per = 4 * 2 * 34 * 34;
    // Samples are in id order: sample 0 is 1.bs2 (4681 events, label 5).
    expect(ds.labels[0]).toBe(5);
    for (const i of [0, 1, 499, 999]) {
      const ev = parseNmnist(new Uint8Array(fs.readFileSync(path.join(DATA_ROOT, 'nmnist', `${i + 1}.bs2`))));
      let sum = 0;
      for (let k = i * per; k < (i + 1) * per; k++) sum += ds.images[k];
      expect(sum).toBe(ev.count);
    }
    await expect(loadDataset('nmnist', { dataDir: DATA_ROOT, split: 'test' })).rejects.toBeInstanceOf(
      DatasetNotFoundError,
    );
  });

  it('a small limit is stratified over the classes', async () => {
    const ds = await loadDataset('nmnist', {
      dataDir: DATA_ROOT,
      split: 'train',
      timesteps: 2,
      limit: 20,
      cacheDir,
    });
    const hist = new Array(10).fill(0);
    for (const l of ds.labels) hist[l]++;
    expect(hist).toEqual(new Array(10).fill(2));
  });
});

describe('frame cache', () => {
  const file = path.join(DATA_ROOT, 'dvs128', 'neal_walking.aedat');

  it('writes on the first call, reads the same frames on the second', async () => {
    const first = await eventFileFrames(file, { frames: 6, splitBy: 'time', size: 64 }, { cacheDir });
    expect(first.fromCache).toBe(false);
    expect(fs.existsSync(first.cacheFile!)).toBe(true);
    const second = await eventFileFrames(file, { frames: 6, splitBy: 'time', size: 64 }, { cacheDir });
    expect(second.fromCache).toBe(true);
    expect(sameBytes(second.frames, first.frames)).toBe(true);
    expect(second.shape).toEqual([6, 2, 64, 64]);
    expect(
      sameBytes(
        first.frames,
        integrateFrames(parseAedat2(new Uint8Array(fs.readFileSync(file))), {
          frames: 6,
          splitBy: 'time',
          size: 64,
        }),
      ),
    ).toBe(true);
    // No temp files are left next to the entry.
    expect(fs.readdirSync(path.dirname(first.cacheFile!)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keys on every parameter and on the file identity', () => {
    const src = { file, size: 10, mtimeMs: 1 };
    const base = frameCachePath(src, { frames: 6 }, {}, cacheDir);
    const variants = [
      frameCachePath(src, { frames: 7 }, {}, cacheDir),
      frameCachePath(src, { frames: 6, splitBy: 'time' }, {}, cacheDir),
      frameCachePath(src, { frames: 6, size: 48 }, {}, cacheDir),
      frameCachePath(src, { frames: 6 }, { outOfRange: 'skip' }, cacheDir),
      frameCachePath({ ...src, mtimeMs: 2 }, { frames: 6 }, {}, cacheDir),
      frameCachePath({ ...src, member: 'a/b.aedat' }, { frames: 6 }, {}, cacheDir),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    expect(frameCachePath(src, { frames: 6, splitBy: 'number' }, {}, cacheDir)).toBe(base);
  });

  it('rebuilds a corrupt cache entry instead of failing', async () => {
    const opts = { frames: 3 } as const;
    const a = await eventFileFrames(file, opts, { cacheDir });
    fs.writeFileSync(a.cacheFile!, 'garbage');
    const b = await eventFileFrames(file, opts, { cacheDir });
    expect(b.fromCache).toBe(false);
    expect(sameBytes(b.frames, a.frames)).toBe(true);
    expect(decodeNpy(new Uint8Array(fs.readFileSync(a.cacheFile!))).shape).toEqual([3, 2, 128, 128]);
  });

  it('writeNpy writes atomically', async () => {
    const out = path.join(tmp, 'npy', 'f.npy');
    await writeNpy(out, Float32Array.of(1, 2, 3, 4), [1, 1, 2, 2]);
    expect(decodeNpy(new Uint8Array(fs.readFileSync(out))).data).toEqual(Float32Array.of(1, 2, 3, 4));
  });
});

describe('CIFAR10-DVS layouts (fixtures cut from the real DVS128 recordings)', () => {
  const folders = path.join(tmp, 'dvs-folders');
  const zips = path.join(tmp, 'dvs-zips');
  const indices = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100];
  const recordings = fs.readdirSync(path.join(DATA_ROOT, 'dvs128')).filter((f) => f.endsWith('.aedat'));

  /** Header of a real recording plus 300 of its events, shifted per (class, index) to make them differ. */
  function recording(cls: number, i: number): Uint8Array {
    const bytes = fs.readFileSync(path.join(DATA_ROOT, 'dvs128', recordings[(cls + i) % recordings.length]));
    const header = parseAedat2(new Uint8Array(bytes)).count; // validates the source
    expect(header).toBeGreaterThan(1000);
    let p = 0;
    while (bytes[p] === 0x23) p = bytes.indexOf(0x0a, p) + 1;
    const start = p + 8 * (cls * 50 + i);
    return new Uint8Array(Buffer.concat([bytes.subarray(0, p), bytes.subarray(start, start + 8 * 300)]));
  }

  beforeAll(() => {
    fs.mkdirSync(path.join(zips, 'cifar10-dvs'), { recursive: true });
    CIFAR10_CLASS_NAMES.forEach((cls, c) => {
      const dir = path.join(folders, 'cifar10-dvs', cls);
      fs.mkdirSync(dir, { recursive: true });
      const members: Record<string, Uint8Array> = {};
      for (const i of indices) {
        const bytes = recording(c, i);
        fs.writeFileSync(path.join(dir, `cifar10_${cls}_${i}.aedat`), bytes);
        members[`${cls}/cifar10_${cls}_${i}.aedat`] = bytes;
      }
      fs.writeFileSync(path.join(zips, 'cifar10-dvs', `${cls}.zip`), zipSync(members, { level: 1 }));
    });
  });

  it('lists 10 classes in name order from folders and zips alike', () => {
    const a = listCifar10Dvs(folders);
    const b = listCifar10Dvs(zips);
    expect(a.map((l) => l.length)).toEqual(new Array(10).fill(11));
    expect(a[3].map((s) => path.basename(s.name))).toEqual(b[3].map((s) => path.posix.basename(s.member!)));
    expect(path.basename(a[0][2].name)).toBe('cifar10_airplane_100.aedat');
  });

  it("'90-10': first ceil(90%) of each class in name order train, the rest test", async () => {
    const train = await loadCifar10Dvs({
      dataDir: folders,
      split: 'train',
      timesteps: 2,
      frameSize: 32,
      cacheDir,
    });
    const test = await loadCifar10Dvs({
      dataDir: folders,
      split: 'test',
      timesteps: 2,
      frameSize: 32,
      cacheDir,
    });
    expect([train.count, test.count]).toEqual([100, 10]);
    expect(Array.from(test.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The test sample of class 4 is its last file in name order: cifar10_deer_9.aedat.
    const expected = integrateFrames(parseAedat2(recording(4, 9)), { frames: 2, size: 32 });
    expect(test.images.subarray(4 * expected.length, 5 * expected.length)).toEqual(expected);
    expect([test.timesteps, test.channels, test.height, test.width]).toEqual([2, 2, 32, 32]);
  });

  it("'first-100-test': recordings 0-99 test, the rest train; zips give identical frames", async () => {
    const opts = { split: 'test', timesteps: 3, splitScheme: 'first-100-test', cacheDir } as const;
    const fromDirs = await loadCifar10Dvs({ ...opts, dataDir: folders });
    const fromZips = await loadCifar10Dvs({ ...opts, dataDir: zips });
    expect(fromDirs.count).toBe(100);
    expect(sameBytes(fromZips.images, fromDirs.images)).toBe(true);
    expect(fromZips.labels).toEqual(fromDirs.labels);
    const train = await loadDataset('cifar10-dvs', {
      dataDir: zips,
      split: 'train',
      splitScheme: 'first-100-test',
      timesteps: 3,
      cacheDir,
    });
    expect(train.count).toBe(10);
    expect(train.height).toBe(48); // default down-sampling 128 -> 48
  });

  it('rejects a zip without the expected class folder', () => {
    const bad = path.join(tmp, 'dvs-bad', 'cifar10-dvs');
    fs.mkdirSync(bad, { recursive: true });
    for (const cls of CIFAR10_CLASS_NAMES)
      fs.copyFileSync(path.join(zips, 'cifar10-dvs', `${cls}.zip`), path.join(bad, `${cls}.zip`));
    fs.writeFileSync(path.join(bad, 'bird.zip'), zipSync({ 'readme.txt': new TextEncoder().encode('hi') }));
    expect(() => listCifar10Dvs(path.dirname(bad))).toThrow(DatasetFormatError);
    expect(() => listCifar10Dvs(path.dirname(bad))).toThrow(
      /bird.zip: zip has no bird\/cifar10_bird_<i>.aedat members/,
    );
  });
});

describe('N-MNIST read from the official Train.zip layout', () => {
  it('lists Train/<digit>/<id>.bin members and integrates them like the loose files', async () => {
    const text = fs.readFileSync(path.join(DATA_ROOT, 'nmnist', 'train1K.txt'), 'utf8');
    const labels = parseLabelList(text, 'train1K.txt');
    const members: Record<string, Uint8Array> = {};
    for (let id = 1; id <= 20; id++) {
      members[`Train/${labels.get(id)}/${String(id).padStart(5, '0')}.bin`] = new Uint8Array(
        fs.readFileSync(path.join(DATA_ROOT, 'nmnist', `${id}.bs2`)),
      );
    }
    const root = path.join(tmp, 'nmnist-zip');
    fs.mkdirSync(path.join(root, 'nmnist'), { recursive: true });
    fs.writeFileSync(path.join(root, 'nmnist', 'Train.zip'), zipSync(members, { level: 1 }));
    const ds = await loadDataset('nmnist', { dataDir: root, split: 'train', timesteps: 3, cache: false });
    expect(ds.count).toBe(20);
    // Sorted by class, then id: the first sample is the lowest id with label 0, i.e. id 2.
    expect(ds.labels[0]).toBe(0);
    const ev = parseNmnist(members[`Train/0/00002.bin`]);
    expect(sameBytes(ds.images.subarray(0, 3 * 2 * 34 * 34), integrateFrames(ev, { frames: 3 }))).toBe(true);
  });
});
