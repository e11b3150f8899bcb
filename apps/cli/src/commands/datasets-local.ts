import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  findIdxFile,
  listCifar10Dvs,
  listNmnist,
  locateCifar,
  mnistFolders,
} from '@synaptogen/datasets/files';
import { resolveDataRoot } from '@synaptogen/datasets/node';

/** What `train --dataset` would find under the data root: per split, a sample count or the form it is in. */
export interface LocalCopy {
  /** e.g. "60000 samples" or "folder cifar10/cifar-10-batches-bin (2 of 6 batch files)"; null: not found. */
  train: string | null;
  test: string | null;
}

const CIFAR_BATCHES: Record<'cifar10' | 'cifar100', string[]> = {
  cifar10: [
    'data_batch_1.bin',
    'data_batch_2.bin',
    'data_batch_3.bin',
    'data_batch_4.bin',
    'data_batch_5.bin',
    'test_batch.bin',
  ],
  cifar100: ['train.bin', 'test.bin'],
};

/** Cheap: looks for files and lists folders, never reads a sample (the readers find the same files). */
export function localCopy(name: string, dataDir?: string): LocalCopy {
  const root = resolveDataRoot(dataDir);
  const rel = (p: string) => (p.startsWith(join(root, '/')) ? p.slice(root.length + 1) : p);
  const found = (f: () => string | null): string | null => {
    try {
      return f();
    } catch {
      return null; // "not found" errors of the listing functions
    }
  };
  switch (name) {
    case 'mnist':
    case 'fashion-mnist': {
      const folders = mnistFolders(root, name === 'mnist' ? 'mnist' : 'fashion');
      const split = (prefix: string) =>
        findIdxFile(folders, `${prefix}-images-idx3-ubyte`) &&
        findIdxFile(folders, `${prefix}-labels-idx1-ubyte`)
          ? `IDX files in ${rel(folders.find((f) => findIdxFile([f], `${prefix}-images-idx3-ubyte`))!)}`
          : null;
      return { train: split('train'), test: split('t10k') };
    }
    case 'cifar10':
    case 'cifar100': {
      const source = locateCifar(dataDir, name);
      if (!source) return { train: null, test: null };
      if (source.kind === 'archive')
        return { train: `archive ${rel(source.path)}`, test: `archive ${rel(source.path)}` };
      const files = CIFAR_BATCHES[name];
      const present = files.filter((f) => existsSync(join(source.path, f)));
      const where = `folder ${rel(source.path)} (${present.length} of ${files.length} batch files)`;
      const test = files.at(-1)!;
      return {
        train: present.some((f) => f !== test) ? where : null,
        test: present.includes(test) ? where : null,
      };
    }
    case 'nmnist':
      return {
        train: found(() => `${listNmnist(dataDir, 'train').length} recordings`),
        test: found(() => `${listNmnist(dataDir, 'test').length} recordings`),
      };
    case 'cifar10-dvs': {
      const n = found(() => String(listCifar10Dvs(dataDir).reduce((a, c) => a + c.length, 0)));
      // one pool of recordings, split by the reader (90/10 per class)
      return { train: n && `${n} recordings (split 90/10)`, test: n && `${n} recordings (split 90/10)` };
    }
    default:
      return { train: null, test: null };
  }
}
