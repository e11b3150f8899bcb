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
