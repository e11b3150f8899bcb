import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DATA_ROOT } from '../test/dataRoot.js';
import { verifyDataset } from './verify.js';

describe('verifyDataset on the shared data root', () => {
  it('MNIST: the four files match the pinned content hashes and both splits read', async () => {
    const r = await verifyDataset('mnist', { dataDir: DATA_ROOT });
    expect(r.files.map((f) => [f.present, f.ok])).toEqual([
      [true, true],
      [true, true],
      [true, true],
      [true, true],
    ]);
    expect(r.splits.map((s) => [s.split, s.count, s.expected])).toEqual([
      ['train', 60000, 60000],
      ['test', 10000, 10000],
    ]);
    expect(r.ok).toBe(true);
  });

  it('CIFAR-10 extracted folder without the archive: splits read, the archive is reported absent', async () => {
    const r = await verifyDataset('cifar10', { dataDir: DATA_ROOT });
    expect(r.files[0].present).toBe(false);
    expect(r.splits.map((s) => s.count)).toEqual([10000, 10000]);
    expect(r.ok).toBe(true);
  });

  it('N-MNIST subset: train lists 1000 recordings, test is missing with a clear error', async () => {
    const r = await verifyDataset('nmnist', { dataDir: DATA_ROOT });
    expect(r.splits[0]).toMatchObject({ split: 'train', ok: true, count: 1000 });
    expect(r.splits[1].ok).toBe(false);
    expect(r.splits[1].error).toMatch(/N-MNIST test samples not found/);
  });
});

describe('verifyDataset fails when a present file does not read (issue 16)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synaptogen-verify-'));
  const link = (rel: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.symlinkSync(path.join(DATA_ROOT, rel), path.join(root, rel));
  };

  it('MNIST: a label 200 in the test split fails the check though the train split reads', async () => {
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz'])
      link(`mnist/${f}`);
    const labels = zlib.gunzipSync(fs.readFileSync(path.join(DATA_ROOT, 'mnist/t10k-labels-idx1-ubyte.gz')));
    labels[8 + 5] = 200; // the sixth label, after the 8-byte IDX header
    fs.writeFileSync(path.join(root, 'mnist/t10k-labels-idx1-ubyte'), labels);
    const r = await verifyDataset('mnist', { dataDir: root });
    expect(r.splits[0]).toMatchObject({ split: 'train', ok: true, count: 60000 });
    expect(r.splits[1]).toMatchObject({ split: 'test', ok: false, absent: false });
    expect(r.splits[1].error).toMatch(/t10k-labels-idx1-ubyte.*label 200/);
    expect(r.ok).toBe(false);
  });

  it('CIFAR-10: a truncated test_batch.bin, or a label 15 in it, fails the check', async () => {
    link('cifar10/cifar-10-batches-bin/data_batch_1.bin');
    const test = path.join(root, 'cifar10/cifar-10-batches-bin/test_batch.bin');
    const head = Buffer.alloc(3073 * 10);
    const fd = fs.openSync(path.join(DATA_ROOT, 'cifar10/cifar-10-batches-bin/test_batch.bin'), 'r');
    fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    fs.writeFileSync(test, head.subarray(0, 3073 * 10 - 100));
    const truncated = await verifyDataset('cifar10', { dataDir: root });
    expect(truncated.splits[0]).toMatchObject({ split: 'train', ok: true, count: 10000 });
    expect(truncated.splits[1]).toMatchObject({ split: 'test', ok: false, absent: false });
    expect(truncated.ok).toBe(false);
    head[3073 * 4] = 15; // the label byte of the fifth record
    fs.writeFileSync(test, head);
    const label = await verifyDataset('cifar10', { dataDir: root });
    expect(label.splits[1].error).toMatch(/label 15 of record 4/);
    expect(label.ok).toBe(false);
  });

  it('a folder where a file belongs is not readable (not absent)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synaptogen-verify-dir-'));
    fs.mkdirSync(path.join(dir, 'cifar10/cifar-10-batches-bin/test_batch.bin'), { recursive: true });
    fs.symlinkSync(
      path.join(DATA_ROOT, 'cifar10/cifar-10-batches-bin/data_batch_1.bin'),
      path.join(dir, 'cifar10/cifar-10-batches-bin/data_batch_1.bin'),
    );
    const r = await verifyDataset('cifar10', { dataDir: dir });
    expect(r.splits[1]).toMatchObject({ ok: false, absent: false });
    expect(r.splits[1].error).toMatch(/test_batch\.bin: is a folder \(expected a file\)/);
    expect(r.ok).toBe(false);
  });

  it('N-MNIST subset: an absent test split is reported, not failed', async () => {
    const r = await verifyDataset('nmnist', { dataDir: DATA_ROOT });
    expect(r.splits[1]).toMatchObject({ ok: false, absent: true });
    expect(r.ok).toBe(true);
  });
});
