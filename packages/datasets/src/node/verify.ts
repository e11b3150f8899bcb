import fs from 'node:fs';
import path from 'node:path';
import { DatasetError, InvalidArgumentError } from '../errors.js';
import { parseEvents } from '../eventFile.js';
import type { Split } from '../types.js';
import { resolveDataRoot } from './dataRoot.js';
import { verifyChecksum } from './download.js';
import { listCifar10Dvs, listNmnist, splitCifar10Dvs } from './eventDatasets.js';
import { loadDataset } from './loadDataset.js';
import { datasetInfo } from './registry.js';

export interface FileCheck {
  name: string;
  file: string;
  present: boolean;
  /** true: checksum matches; false: it does not (see error); undefined: not present. */
  ok?: boolean;
  error?: string;
}

export interface SplitCheck {
  split: Split;
  ok: boolean;
  /** True when none of the split's files are there (a partial copy); false when they are but do not read. */
  absent?: boolean;
  count?: number;
  expected: number;
  error?: string;
}

export interface DatasetReport {
  name: string;
  root: string;
  files: FileCheck[];
  splits: SplitCheck[];
  /**
   * Every present download verifies, every split whose files are present reads without error, and
   * at least one split reads (an absent split is reported, not failed: partial copies are allowed).
   */
  ok: boolean;
}

/** The official files of a dataset that are present under the data root (no hashing). */
export function datasetFiles(name: string, dataDir?: string): FileCheck[] {
  const info = datasetInfo(name);
  if (!info) throw new InvalidArgumentError(`unknown dataset '${name}'`);
  const root = resolveDataRoot(dataDir);
  return info.files.map((f) => {
    const file = path.join(root, info.folder, f.name);
    return { name: f.name, file, present: fs.existsSync(file) };
  });
}

/**
 * Checks a dataset under the data root: checksums of the official files that are present, then
 * whether each split reads (image datasets are loaded whole; event datasets are listed and their
 * first and last recordings parsed, since integrating every sample is the slow part).
 */
export async function verifyDataset(
  name: string,
  options: { dataDir?: string } = {},
): Promise<DatasetReport> {
  const info = datasetInfo(name);
  if (!info) throw new InvalidArgumentError(`unknown dataset '${name}'`);
  const root = resolveDataRoot(options.dataDir);
  const files = datasetFiles(name, options.dataDir);
  for (const [i, f] of files.entries()) {
    if (!f.present) continue;
    try {
      await verifyChecksum(f.file, info.files[i].checksum);
      f.ok = true;
    } catch (err) {
      f.ok = false;
      f.error = (err as Error).message;
    }
  }
  const splits: SplitCheck[] = [];
  for (const split of ['train', 'test'] as const) {
    const expected = split === 'train' ? info.train : info.test;
    try {
      let count: number;
      if (info.kind === 'image') {
        count = (await loadDataset(name, { dataDir: options.dataDir, split, allowMissingBatches: true }))
          .count;
      } else {
        const samples =
          name === 'nmnist'
            ? listNmnist(options.dataDir, split)
            : splitCifar10Dvs(listCifar10Dvs(options.dataDir), split);
        for (const s of [samples[0], samples[samples.length - 1]]) if (s) parseEvents(await s.read(), s.name);
        count = samples.length;
      }
      splits.push({ split, ok: count > 0, count, expected });
    } catch (err) {
      if (!(err instanceof DatasetError)) throw err;
      splits.push({ split, ok: false, absent: err.code === 'not-found', expected, error: err.message });
    }
  }
  const ok =
    files.every((f) => f.ok !== false) && splits.every((s) => s.ok || s.absent) && splits.some((s) => s.ok);
  return { name, root, files, splits, ok };
}
