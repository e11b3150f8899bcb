import fs from 'node:fs';
import path from 'node:path';
import * as tar from 'tar';
import {
  CIFAR_STATS,
  CIFAR10_CLASS_NAMES,
  type CifarRecords,
  type CifarVariant,
  parseCifarBatch,
} from '../cifar.js';
import { DatasetFormatError, DatasetNotFoundError } from '../errors.js';
import type { ImageDataset, Split } from '../types.js';
import { resolveDataRoot } from './dataRoot.js';
import { downloadHint } from './downloadHint.js';
import { firstExisting, isDirectory, readBytes } from './files.js';

export interface LoadCifarOptions {
  /** A data root, the extracted batch folder, or the official `.tar.gz` itself. Default: resolveDataRoot(). */
  dataDir?: string;
  split: Split;
  variant?: CifarVariant;
  limit?: number;
  /**
   * Load only the train batches that are present instead of failing when some of
   * `data_batch_1..5.bin` are missing (CIFAR-10 only; useful with partial copies).
   */
  allowMissingBatches?: boolean;
}

const LAYOUT: Record<
  CifarVariant,
  { sub: string; folder: string; archive: string; train: string[]; test: string[] }
> = {
  cifar10: {
    sub: 'cifar10',
    folder: 'cifar-10-batches-bin',
    archive: 'cifar-10-binary.tar.gz',
    train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
    test: ['test_batch.bin'],
  },
  cifar100: {
    sub: 'cifar100',
    folder: 'cifar-100-binary',
    archive: 'cifar-100-binary.tar.gz',
    train: ['train.bin'],
    test: ['test.bin'],
  },
};

export interface CifarSource {
  kind: 'folder' | 'archive';
  path: string;
}

/** Finds the extracted folder (preferred, faster) or the official archive under a data root. */
export function locateCifar(dataDir: string | undefined, variant: CifarVariant): CifarSource | undefined {
  const root = resolveDataRoot(dataDir);
  const { sub, folder, archive, test } = LAYOUT[variant];
  if (root.endsWith('.tar.gz') && fs.existsSync(root)) return { kind: 'archive', path: root };
  const folders = [path.join(root, sub, folder), path.join(root, folder), root];
  for (const f of folders) {
    if (isDirectory(f) && firstExisting(test.map((t) => path.join(f, t)))) return { kind: 'folder', path: f };
    if (isDirectory(f) && firstExisting(LAYOUT[variant].train.map((t) => path.join(f, t)))) {
      return { kind: 'folder', path: f };
    }
  }
  const a = firstExisting([path.join(root, sub, archive), path.join(root, archive)]);
  return a ? { kind: 'archive', path: a } : undefined;
}

/** Reads named members of a `.tar.gz` in one streaming pass (the archive is never extracted to disk). */
export async function readTarMembers(archive: string, wanted: string[]): Promise<Map<string, Uint8Array>> {
  const chunks = new Map<string, Buffer[]>();
  const sizes = new Map<string, number>();
  try {
    await tar.t({
      file: archive,
      strict: true,
      onReadEntry: (entry) => {
        const base = path.posix.basename(entry.path);
        if (!wanted.includes(base) || chunks.has(base)) return;
        const list: Buffer[] = [];
        chunks.set(base, list);
        sizes.set(base, entry.size ?? 0);
        entry.on('data', (c: Buffer) => list.push(c));
      },
    });
  } catch (err: any) {
    if (err?.code === 'ENOENT') throw new DatasetNotFoundError('archive not found', { file: archive });
    throw new DatasetFormatError('bad-layout', `cannot read the tar.gz archive (${err?.message ?? err})`, {
      file: archive,
      expected: 'a complete gzip-compressed tar archive',
    });
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, list] of chunks) {
    const buf = Buffer.concat(list);
    if (buf.length !== sizes.get(name)) {
      throw new DatasetFormatError(
        'truncated',
        `member ${name} has ${buf.length} of ${sizes.get(name)} bytes`,
        {
          file: archive,
        },
      );
    }
    out.set(name, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  }
  return out;
}

function concatRecords(parts: CifarRecords[]): CifarRecords {
  const count = parts.reduce((s, p) => s + p.count, 0);
  if (parts.length === 1) return parts[0];
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  const coarse = parts[0].coarseLabels ? new Uint8Array(count) : undefined;
  let n = 0;
  for (const p of parts) {
    images.set(p.images, n * 3072);
    labels.set(p.labels, n);
    if (coarse && p.coarseLabels) coarse.set(p.coarseLabels, n);
    n += p.count;
  }
  return { images, labels, coarseLabels: coarse, count };
}

/** Loads CIFAR-10 or CIFAR-100 (binary version) from the extracted folder or the `.tar.gz`. */
export async function loadCifar(options: LoadCifarOptions): Promise<ImageDataset> {
  const variant = options.variant ?? 'cifar10';
  const layout = LAYOUT[variant];
  const source = locateCifar(options.dataDir, variant);
  const root = resolveDataRoot(options.dataDir);
  if (!source) {
    throw new DatasetNotFoundError(
      `${variant} not found: neither ${layout.sub}/${layout.folder}/ nor ${layout.sub}/${layout.archive}; ${downloadHint(variant)}`,
      { file: path.join(root, layout.sub) },
    );
  }
  const names = options.split === 'train' ? layout.train : layout.test;
  const files = new Map<string, Uint8Array>();
  if (source.kind === 'folder') {
    for (const n of names) {
      const f = path.join(source.path, n);
      if (!fs.existsSync(f) && options.allowMissingBatches) continue;
      files.set(n, await readBytes(f));
    }
  } else {
    const members = await readTarMembers(source.path, names);
    for (const n of names) {
      const m = members.get(n);
      if (m) files.set(n, m);
      else if (!options.allowMissingBatches) {
        throw new DatasetFormatError('bad-layout', `archive has no member ${layout.folder}/${n}`, {
          file: source.path,
          expected: `the official ${layout.archive} layout`,
        });
      }
    }
  }
  if (files.size === 0) {
    throw new DatasetNotFoundError(`no ${options.split} batch of ${variant} found`, {
      file: path.join(source.path, names[0]),
    });
  }
  const parts = [...files].map(([n, bytes]) =>
    parseCifarBatch(
      bytes,
      variant,
      source.kind === 'folder' ? path.join(source.path, n) : `${source.path}:${n}`,
    ),
  );
  const all = concatRecords(parts);
  const count = Math.min(all.count, options.limit ?? Number.POSITIVE_INFINITY);
  return {
    images: all.images.subarray(0, count * 3072),
    labels: all.labels.subarray(0, count),
    coarseLabels: all.coarseLabels?.subarray(0, count),
    count,
    channels: 3,
    height: 32,
    width: 32,
    classes: variant === 'cifar10' ? 10 : 100,
    mean: CIFAR_STATS[variant].mean,
    std: CIFAR_STATS[variant].std,
    classNames: variant === 'cifar10' ? CIFAR10_CLASS_NAMES : undefined,
  };
}
