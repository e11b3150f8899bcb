import { InvalidArgumentError } from '../errors.js';
import type { SplitBy } from '../frames.js';
import type { ImageDataset, Split } from '../types.js';
import { loadCifar } from './cifar.js';
import { type Cifar10DvsSplit, loadCifar10Dvs, loadNmnist } from './eventDatasets.js';
import { loadMnist } from './mnist.js';

/** Dataset names accepted by loadDataset (and `train --dataset`). */
export const DATASET_NAMES = [
  'mnist',
  'fashion-mnist',
  'cifar10',
  'cifar100',
  'cifar10-dvs',
  'nmnist',
] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export interface LoadDatasetOptions {
  dataDir?: string;
  split: Split;
  limit?: number;
  /** CIFAR-10: load the train batches present instead of requiring all five. */
  allowMissingBatches?: boolean;
  /** Event datasets: frames per sample (default 10), split and output size (see loadCifar10Dvs/loadNmnist). */
  timesteps?: number;
  splitBy?: SplitBy;
  frameSize?: number;
  splitScheme?: Cifar10DvsSplit;
  /** Event datasets: where integrated frames are cached, or false to disable the cache. */
  cacheDir?: string;
  cache?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

/** Loads any supported dataset by name into the common ImageDataset shape. */
export async function loadDataset(name: string, options: LoadDatasetOptions): Promise<ImageDataset> {
  switch (name) {
    case 'mnist':
      return loadMnist({ ...options, variant: 'mnist' });
    case 'fashion-mnist':
      return loadMnist({ ...options, variant: 'fashion' });
    case 'cifar10':
      return loadCifar({ ...options, variant: 'cifar10' });
    case 'cifar100':
      return loadCifar({ ...options, variant: 'cifar100' });
    case 'cifar10-dvs':
      return loadCifar10Dvs(options);
    case 'nmnist':
      return loadNmnist(options);
    default:
      throw new InvalidArgumentError(`unknown dataset '${name}'`, { expected: DATASET_NAMES.join(', ') });
  }
}
