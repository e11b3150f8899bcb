import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batches } from '../batching.js';
import { parseCifarBatch } from '../cifar.js';
import { DatasetFormatError, DatasetNotFoundError } from '../errors.js';
import { DATA_ROOT } from '../test/dataRoot.js';
import { loadCifar } from './cifar.js';
import { loadDataset } from './loadDataset.js';

const BIN = path.join(DATA_ROOT, 'cifar10', 'cifar-10-batches-bin');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synaptogen-cifar-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('CIFAR-10 on the real files', () => {
  it('reads test_batch.bin: 10000 records of 3x32x32 and matches the raw bytes', async () => {
    const ds = await loadCifar({ dataDir: DATA_ROOT, split: 'test' });
    expect(ds.count).toBe(10000);
    expect([ds.channels, ds.height, ds.width, ds.classes]).toEqual([3, 32, 32, 10]);
    // Official test labels start 3 8 8 0 6 6 1 6 3 1.
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
    const raw = fs.readFileSync(path.join(BIN, 'test_batch.bin'));
    // Record 7: pixels follow its label byte; CHW planes copied as they are.
    expect(Array.from(ds.images.subarray(7 * 3072, 7 * 3072 + 3072))).toEqual(
      Array.from(raw.subarray(7 * 3073 + 1, 8 * 3073)),
    );
    expect(ds.classNames?.[3]).toBe('cat');
    expect(Array.from(ds.images.subarray(0, 4))).toEqual([158, 159, 165, 166]);
  });

  it('reads data_batch_1.bin with allowMissingBatches; first ten labels as SOURCES.md states', async () => {
    const ds = await loadCifar({ dataDir: DATA_ROOT, split: 'train', allowMissingBatches: true });
    expect(ds.count).toBe(10000);
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
    // Record 0 (the frog): first pixels of the R, G, B planes and the pixel sum, read with NumPy.
    expect(Array.from(ds.images.subarray(0, 4))).toEqual([59, 43, 50, 68]);
    expect(Array.from(ds.images.subarray(1024, 1028))).toEqual([62, 46, 48, 54]);
    expect(Array.from(ds.images.subarray(2048, 2052))).toEqual([63, 45, 43, 42]);
    let sum = 0;
    for (const v of ds.images) sum += v;
    expect(sum).toBe(3718380578);
    const hist = new Array(10).fill(0);
    for (const l of ds.labels) hist[l]++;
    expect(hist.reduce((a, b) => a + b)).toBe(10000);
    expect(Math.min(...hist)).toBeGreaterThan(900);
  });

  it('fails naming the missing batch when all five train batches are required', async () => {
    const err = await loadCifar({ dataDir: DATA_ROOT, split: 'train' }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetNotFoundError);
    expect(err.file).toBe(path.join(BIN, 'data_batch_2.bin'));
  });
});

describe('CIFAR-10 read from the official .tar.gz layout directly', () => {
  const archive = path.join(tmp, 'cifar10', 'cifar-10-binary.tar.gz');
  beforeAll(async () => {
    fs.mkdirSync(path.join(tmp, 'cifar10'));
    // Same layout as the official archive: cifar-10-batches-bin/<files>, built from the real batches.
    await tar.c({ gzip: { level: 1 }, file: archive, cwd: path.join(DATA_ROOT, 'cifar10') }, [
      'cifar-10-batches-bin/test_batch.bin',
      'cifar-10-batches-bin/data_batch_1.bin',
      'cifar-10-batches-bin/batches.meta.txt',
    ]);
  });

  it('gives the same test set as the folder', async () => {
    const fromTar = await loadCifar({ dataDir: tmp, split: 'test' });
    const fromDir = await loadCifar({ dataDir: DATA_ROOT, split: 'test' });
    expect(fromTar.count).toBe(10000);
    expect(Buffer.compare(Buffer.from(fromTar.images), Buffer.from(fromDir.images))).toBe(0);
    expect(Buffer.compare(Buffer.from(fromTar.labels), Buffer.from(fromDir.labels))).toBe(0);
    const viaName = await loadDataset('cifar10', {
      dataDir: archive,
      split: 'train',
      limit: 5,
      allowMissingBatches: true,
    });
    expect(Array.from(viaName.labels)).toEqual([6, 9, 9, 4, 1]);
  });

  it('reports a truncated archive as a typed error naming it', async () => {
    const cut = path.join(tmp, 'cut', 'cifar-10-binary.tar.gz');
    fs.mkdirSync(path.dirname(cut));
    const bytes = fs.readFileSync(archive);
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    const err = await loadCifar({ dataDir: path.dirname(cut), split: 'test' }).catch((e) => e);
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect(err.file).toBe(cut);
  });

  it('reports an archive without the expected members', async () => {
    const other = path.join(tmp, 'other', 'cifar-10-binary.tar.gz');
    fs.mkdirSync(path.dirname(other));
    await tar.c({ gzip: true, file: other, cwd: path.join(DATA_ROOT, 'cifar10') }, [
      'cifar-10-batches-bin/batches.meta.txt',
    ]);
    await expect(loadCifar({ dataDir: path.dirname(other), split: 'test' })).rejects.toThrow(
      /no member cifar-10-batches-bin\/test_batch.bin/,
    );
  });
});

describe('augmented CIFAR-10 batches on the real test batch', () => {
  it('match an independent pad-crop-flip-normalise of the raw bytes, SIMD and JS alike', async () => {
    const ds = await loadCifar({ dataDir: DATA_ROOT, split: 'test', limit: 300 });
    const raw = fs.readFileSync(path.join(BIN, 'test_batch.bin'));
    const mean = [0.4914, 0.4822, 0.4465];
    const std = [0.2023, 0.1994, 0.201];
    const o = { batchSize: 64, seed: 5, augment: { cropPadding: 4, flip: true }, normalize: true } as const;
    const runs = [];
    for (const simd of [true, false]) {
      const out = [];
      for await (const b of batches(ds, { ...o, simd })) out.push(b);
      runs.push(out);
    }
    let flips = 0;
    for (const [k, b] of runs[0].entries()) {
      expect(Buffer.from(b.inputs.buffer).equals(Buffer.from(runs[1][k].inputs.buffer))).toBe(true);
      // Each sample equals raw pixels of its record, shifted by some (dy, dx) in [-4, 4], maybe mirrored.
      for (let s = 0; s < b.labels.length; s++) {
        const rec = b.indices[s] * 3073;
        expect(b.labels[s]).toBe(raw[rec]);
        const got = b.inputs.subarray(s * 3072, (s + 1) * 3072);
        const value = (c: number, y: number, x: number) =>
          y < 0 || y > 31 || x < 0 || x > 31
            ? -mean[c] / std[c]
            : (raw[rec + 1 + c * 1024 + y * 32 + x] / 255 - mean[c]) / std[c];
        let found = 0;
        for (const flip of [false, true])
          for (let dy = -4; dy <= 4; dy++)
            for (let dx = -4; dx <= 4; dx++) {
              let ok = true;
              for (let i = 0; i < 3072 && ok; i++) {
                const c = i >> 10;
                const y = (i >> 5) & 31;
                const x = i & 31;
                ok = Math.abs(got[i] - value(c, y + dy, (flip ? 31 - x : x) + dx)) < 1e-5;
              }
              if (ok) {
                found++;
                if (flip) flips++;
              }
            }
        expect(found).toBeGreaterThanOrEqual(1);
      }
    }
    expect(flips).toBeGreaterThan(100);
    expect(flips).toBeLessThan(200);
  });
});

describe('parseCifarBatch', () => {
  it('rejects a size that is not a whole number of records, with the offset', () => {
    const err = (() => {
      try {
        parseCifarBatch(new Uint8Array(3073 * 2 + 10), 'cifar10', 'x.bin');
      } catch (e) {
        return e as DatasetFormatError;
      }
    })();
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect(err?.offset).toBe(3073 * 2);
    expect(err?.message).toMatch(/x.bin at byte 6146: .*multiple of 3073/);
  });

  it('parses CIFAR-100 records (coarse, fine, pixels) and rejects bad labels', () => {
    const rec = new Uint8Array(3074 * 2);
    rec[0] = 4;
    rec[1] = 55;
    rec[2] = 200;
    rec[3074] = 19;
    rec[3075] = 99;
    const r = parseCifarBatch(rec, 'cifar100');
    expect(Array.from(r.coarseLabels!)).toEqual([4, 19]);
    expect(Array.from(r.labels)).toEqual([55, 99]);
    expect(r.images[0]).toBe(200);
    rec[3075] = 100;
    expect(() => parseCifarBatch(rec, 'cifar100', 'c.bin')).toThrow(/c.bin at byte 3075: label 100/);
  });
});
