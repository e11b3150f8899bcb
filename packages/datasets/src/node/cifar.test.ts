import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  });

  it('reads data_batch_1.bin with allowMissingBatches; first ten labels as SOURCES.md states', async () => {
    const ds = await loadCifar({ dataDir: DATA_ROOT, split: 'train', allowMissingBatches: true });
    expect(ds.count).toBe(10000);
    expect(Array.from(ds.labels.subarray(0, 10))).toEqual([6, 9, 9, 4, 1, 1, 2, 7, 8, 3]);
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
