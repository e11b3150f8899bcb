import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetFormatError, DatasetNotFoundError, TruncatedFileError } from '../errors.js';
import { DATA_ROOT } from '../test/dataRoot.js';
import { resolveDataRoot } from './dataRoot.js';
import { loadDataset } from './loadDataset.js';
import { loadMnist } from './mnist.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synaptogen-mnist-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('resolveDataRoot', () => {
  it('prefers the option, then SYNAPTOGEN_DATA, then the user cache dir', () => {
    const saved = process.env.SYNAPTOGEN_DATA;
    try {
      process.env.SYNAPTOGEN_DATA = '/some/env/root';
      expect(resolveDataRoot('rel/dir')).toBe(path.resolve('rel/dir'));
      expect(resolveDataRoot()).toBe('/some/env/root');
      delete process.env.SYNAPTOGEN_DATA;
      expect(resolveDataRoot()).toMatch(/synaptogen$/);
      expect(resolveDataRoot()).not.toBe('/some/env/root');
    } finally {
      if (saved === undefined) delete process.env.SYNAPTOGEN_DATA;
      else process.env.SYNAPTOGEN_DATA = saved;
    }
  });
});

describe('loadMnist on the real files', () => {
  it('reads the test split: 10000 images of 1x28x28 with known first labels', async () => {
    const ds = await loadMnist({ dataDir: DATA_ROOT, split: 'test' });
    expect(ds.count).toBe(10000);
    expect(ds.images.length).toBe(10000 * 784);
    expect([ds.channels, ds.height, ds.width, ds.classes]).toEqual([1, 28, 28, 10]);
    // The official t10k labels start 7 2 1 0 4 1 4 9 5 9.
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    // Border pixels are blank; the first image (a 7) has ink in its middle rows.
    expect(ds.images[0]).toBe(0);
    // Pixel facts read with Python's gzip + NumPy: first ink 84 at (7, 6); pixel sum of image 0 and of all.
    expect(ds.images[7 * 28 + 6]).toBe(84);
    expect(Array.from(ds.images.subarray(14 * 28 + 10, 14 * 28 + 18))).toEqual([0, 0, 0, 0, 0, 0, 59, 249]);
    let all = 0;
    for (const v of ds.images) all += v;
    expect(all).toBe(264923200);
    let ink = 0;
    for (let i = 0; i < 784; i++) ink += ds.images[i] > 128 ? 1 : 0;
    expect(ink).toBeGreaterThan(50);
  });

  it('reads the train split (60000) and honours limit', async () => {
    const ds = await loadMnist({ dataDir: DATA_ROOT, split: 'train' });
    expect(ds.count).toBe(60000);
    // The official train labels start 5 0 4 1 9 2 1 3 1 4.
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    // Pixel facts read with Python's gzip + NumPy: image 0's first ink is 3 at (5, 12); row 14, cols 10..17.
    expect(ds.images[5 * 28 + 12]).toBe(3);
    expect(Array.from(ds.images.subarray(14 * 28 + 10, 14 * 28 + 18))).toEqual([
      0, 0, 0, 81, 240, 253, 253, 119,
    ]);
    let sum = 0;
    for (let i = 0; i < 784; i++) sum += ds.images[i];
    expect(sum).toBe(27525);
    let all = 0;
    for (const v of ds.images) all += v;
    expect(all).toBe(1567298545);
    const hist = new Array(10).fill(0);
    for (const l of ds.labels) hist[l]++;
    expect(hist).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    const small = await loadDataset('mnist', { dataDir: DATA_ROOT, split: 'train', limit: 100 });
    expect(small.count).toBe(100);
    expect(small.images.length).toBe(78400);
    expect(Array.from(small.images.subarray(0, 784))).toEqual(Array.from(ds.images.subarray(0, 784)));
  });

  it('accepts raw (not gzipped) files given directly in a folder', async () => {
    const dir = path.join(tmp, 'raw');
    fs.mkdirSync(dir);
    for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      fs.writeFileSync(
        path.join(dir, f),
        zlib.gunzipSync(fs.readFileSync(path.join(DATA_ROOT, 'mnist', `${f}.gz`))),
      );
    }
    const ds = await loadMnist({ dataDir: dir, split: 'test' });
    expect(ds.count).toBe(10000);
    expect(ds.labels[0]).toBe(7);
  });
});

describe('loadMnist bad input', () => {
  function writePair(dir: string, images: Uint8Array, labels: Uint8Array) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), images);
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), labels);
  }
  const header = (magic: number, ...dims: number[]) => {
    const b = Buffer.alloc(4 + 4 * dims.length);
    b.writeUInt32BE(magic, 0);
    dims.forEach((d, i) => {
      b.writeUInt32BE(d, 4 + 4 * i);
    });
    return b;
  };

  it('names the file and offset on a wrong magic', async () => {
    const dir = path.join(tmp, 'magic');
    writePair(
      dir,
      Buffer.concat([header(0x801, 2, 28, 28), Buffer.alloc(2 * 784)]),
      Buffer.concat([header(0x801, 2), Buffer.from([1, 2])]),
    );
    const err = await loadMnist({ dataDir: dir, split: 'test' }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect(err.code).toBe('bad-magic');
    expect(err.file).toBe(path.join(dir, 't10k-images-idx3-ubyte'));
    expect(err.offset).toBe(0);
    expect(err.message).toMatch(/expected 0x00000803/);
  });

  it('reports a truncated file with its size', async () => {
    const dir = path.join(tmp, 'trunc');
    writePair(
      dir,
      Buffer.concat([header(0x803, 2, 28, 28), Buffer.alloc(784 + 5)]),
      Buffer.concat([header(0x801, 2), Buffer.from([1, 2])]),
    );
    const err = await loadMnist({ dataDir: dir, split: 'test' }).catch((e) => e);
    expect(err).toBeInstanceOf(TruncatedFileError);
    expect(err.offset).toBe(16 + 789);
  });

  it('reports a truncated gzip stream', async () => {
    const dir = path.join(tmp, 'gz');
    fs.mkdirSync(dir);
    const gz = fs.readFileSync(path.join(DATA_ROOT, 'mnist', 't10k-labels-idx1-ubyte.gz'));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte.gz'), gz.subarray(0, gz.length >> 1));
    fs.copyFileSync(
      path.join(DATA_ROOT, 'mnist', 't10k-images-idx3-ubyte.gz'),
      path.join(dir, 't10k-images-idx3-ubyte.gz'),
    );
    const err = await loadMnist({ dataDir: dir, split: 'test' }).catch((e) => e);
    expect(err).toBeInstanceOf(TruncatedFileError);
    expect(err.file).toBe(path.join(dir, 't10k-labels-idx1-ubyte.gz'));
  });

  it('rejects label/image count mismatch and labels above 9', async () => {
    const dir = path.join(tmp, 'count');
    writePair(
      dir,
      Buffer.concat([header(0x803, 2, 28, 28), Buffer.alloc(2 * 784)]),
      Buffer.concat([header(0x801, 1), Buffer.from([1])]),
    );
    await expect(loadMnist({ dataDir: dir, split: 'test' })).rejects.toThrow(/1 labels for 2 images/);
    const dir2 = path.join(tmp, 'label');
    writePair(
      dir2,
      Buffer.concat([header(0x803, 2, 28, 28), Buffer.alloc(2 * 784)]),
      Buffer.concat([header(0x801, 2), Buffer.from([1, 12])]),
    );
    await expect(loadMnist({ dataDir: dir2, split: 'test' })).rejects.toMatchObject({
      code: 'out-of-range',
      offset: 9,
    });
  });

  it('says where it looked when files are missing', async () => {
    const err = await loadMnist({
      dataDir: path.join(tmp, 'nothing'),
      split: 'train',
      variant: 'fashion',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetNotFoundError);
    expect(err.message).toMatch(/fashion-mnist train files not found/);
    expect(err.message).toMatch(/npx @synaptogen\/cli datasets download fashion-mnist/);
  });
});
