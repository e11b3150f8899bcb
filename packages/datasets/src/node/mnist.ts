import path from 'node:path';
import { DatasetFormatError, DatasetNotFoundError } from '../errors.js';
import { parseIdx } from '../idx.js';
import { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from '../mnistClasses.js';
import type { ImageDataset, Split } from '../types.js';
import { resolveDataRoot } from './dataRoot.js';
import { downloadHint } from './downloadHint.js';
import { firstExisting, readMaybeGzip } from './files.js';

export type MnistVariant = 'mnist' | 'fashion';

export interface LoadMnistOptions {
  /** A data root, or the folder that holds the four IDX files directly. Default: resolveDataRoot(). */
  dataDir?: string;
  split: Split;
  /** 'mnist' (default) or 'fashion' (Fashion-MNIST, same format). */
  variant?: MnistVariant;
  /** Keep only the first `limit` samples. */
  limit?: number;
}

const STATS: Record<MnistVariant, { mean: number; std: number }> = {
  mnist: { mean: 0.1307, std: 0.3081 },
  fashion: { mean: 0.286, std: 0.353 },
};

/** Folders searched for the IDX files, in order (ours, torchvision's, the given folder itself). */
export function mnistFolders(root: string, variant: MnistVariant): string[] {
  const sub =
    variant === 'mnist'
      ? ['mnist', 'MNIST/raw', 'MNIST']
      : ['fashion-mnist', 'FashionMNIST/raw', 'FashionMNIST'];
  return [...sub.map((s) => path.join(root, s)), root];
}

/** Finds `<stem>` as raw IDX or `.gz`, also the `train-images.idx3-ubyte` spelling some copies use. */
export function findIdxFile(folders: string[], stem: string): string | undefined {
  const dotted = stem.replace(/-(idx\d)/, '.$1');
  const names = [`${stem}.gz`, stem, `${dotted}.gz`, dotted];
  return firstExisting(folders.flatMap((f) => names.map((n) => path.join(f, n))));
}

/** Loads MNIST or Fashion-MNIST from IDX files (gzip or raw) as `[N, 1, 28, 28]` bytes plus labels. */
export async function loadMnist(options: LoadMnistOptions): Promise<ImageDataset> {
  const variant = options.variant ?? 'mnist';
  const root = resolveDataRoot(options.dataDir);
  const folders = mnistFolders(root, variant);
  const prefix = options.split === 'train' ? 'train' : 't10k';
  const imagesFile = findIdxFile(folders, `${prefix}-images-idx3-ubyte`);
  const labelsFile = findIdxFile(folders, `${prefix}-labels-idx1-ubyte`);
  const name = variant === 'mnist' ? 'mnist' : 'fashion-mnist';
  if (!imagesFile || !labelsFile) {
    throw new DatasetNotFoundError(
      `${name} ${options.split} files not found (looked in ${folders.join(', ')}); ${downloadHint(name)}`,
      { file: path.join(folders[0], `${prefix}-${imagesFile ? 'labels-idx1' : 'images-idx3'}-ubyte.gz`) },
    );
  }
  const [imgBytes, lblBytes] = await Promise.all([readMaybeGzip(imagesFile), readMaybeGzip(labelsFile)]);
  const images = parseIdx(imgBytes, imagesFile, 0x803);
  const labels = parseIdx(lblBytes, labelsFile, 0x801);
  if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new DatasetFormatError('bad-layout', `image dimensions are ${images.dims.join('x')}`, {
      file: imagesFile,
      offset: 4,
      expected: 'N x 28 x 28',
    });
  }
  if (labels.dims[0] !== images.dims[0]) {
    throw new DatasetFormatError(
      'bad-size',
      `${labels.dims[0]} labels for ${images.dims[0]} images in ${imagesFile}`,
      {
        file: labelsFile,
        offset: 4,
        expected: `${images.dims[0]} labels`,
      },
    );
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i] > 9) {
      throw new DatasetFormatError('out-of-range', `label ${labels.data[i]} of sample ${i}`, {
        file: labelsFile,
        offset: 8 + i,
        expected: 'a class in 0..9',
      });
    }
  }
  const count = Math.min(images.dims[0], options.limit ?? Number.POSITIVE_INFINITY);
  const pixels = 28 * 28;
  return {
    images: images.data.subarray(0, count * pixels),
    labels: labels.data.subarray(0, count),
    count,
    channels: 1,
    height: 28,
    width: 28,
    classes: 10,
    mean: [STATS[variant].mean],
    std: [STATS[variant].std],
    classNames: variant === 'mnist' ? MNIST_CLASS_NAMES : FASHION_MNIST_CLASS_NAMES,
  };
}
