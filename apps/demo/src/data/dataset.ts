import type { ImageDataset } from '@synaptogen/datasets/core';

/** The datasets the page trains on. */
export const DEMO_DATASETS = ['mnist', 'fashion-mnist', 'cifar10', 'nmnist'] as const;
export type DemoDatasetName = (typeof DEMO_DATASETS)[number];

/** A dataset in the worker's memory: both splits and the names of the classes. */
export interface DemoData {
  name: DemoDatasetName;
  train: ImageDataset;
  test: ImageDataset;
  classNames: string[];
}

/** What the page asks for: MNIST from the dev server's data root, or files the user picked (any dataset). */
export type DataSource =
  | { kind: 'url'; dataset: 'mnist'; base: string }
  | { kind: 'files'; dataset: DemoDatasetName; files: File[] };

/** Per-sample model input: `[C, H, W]` images, `[T, C, H, W]` event frames (time-major batches). */
export function inputShapeOf(ds: ImageDataset): number[] {
  return ds.timesteps ? [ds.timesteps, ds.channels, ds.height, ds.width] : [ds.channels, ds.height, ds.width];
}

/** Colour images are normalised per channel, as `synaptogen train` does (so a demo run resumes in the CLI). */
export const isColourImage = (ds: ImageDataset) => ds.channels === 3 && !ds.timesteps;

/** What to pick for each dataset, shown on the page. */
export const PICK_HINTS: Record<DemoDatasetName, string> = {
  mnist:
    'the four MNIST IDX files: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (raw or .gz)',
  'fashion-mnist':
    'the four Fashion-MNIST IDX files (same names as MNIST: train-images-idx3-ubyte … , raw or .gz)',
  cifar10: 'CIFAR-10 binary batches: data_batch_1.bin … data_batch_5.bin (any of them) and test_batch.bin',
  nmnist:
    'N-MNIST recordings: the Train/ and Test/ folders (pick a folder), or <id>.bs2 files with train1K.txt; without a test split every fifth recording is held out',
};
