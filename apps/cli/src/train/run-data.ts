import { setImmediate } from 'node:timers/promises';
import {
  type BatchOptions,
  batches,
  DatasetNotFoundError,
  holdOut,
  type ImageDataset,
  loadDataset,
  workerBatches,
} from '@synaptogen/datasets/node';
import type { Batch } from '@synaptogen/nn';
import type { TrainOptions } from './options.js';

/** The splits a run trains and evaluates on. */
export interface RunData {
  train: ImageDataset;
  test: ImageDataset;
}

/** The held-out fraction a run uses when its dataset has no test split (N-MNIST's train1K set). */
export const DEFAULT_HOLDOUT = 0.2;

/**
 * The run's splits. With `--holdout f`, or by default (f = 0.2) when the data root has no test split,
 * a seeded, class-stratified fraction f of the whole training split is held out for testing (the
 * limits then apply to the two parts, so the held-out set does not depend on them); `o.holdout` is
 * set, so a resumed run draws the same split. `log` states where the test samples come from.
 */
export async function loadRunData(o: TrainOptions, log: (line: string) => void = () => {}): Promise<RunData> {
  const trainSplit = (limit?: number) =>
    loadDataset(o.dataset, { dataDir: o.dataDir, split: 'train', limit, allowMissingBatches: true });
  if (o.holdout === undefined) {
    const [train, test] = await Promise.all([
      trainSplit(o.trainLimit),
      loadDataset(o.dataset, { dataDir: o.dataDir, split: 'test', limit: o.testLimit }).catch((e) => {
        if (e instanceof DatasetNotFoundError) return null;
        throw e;
      }),
    ]);
    if (test) return { train, test };
    o.holdout = DEFAULT_HOLDOUT;
    log(
      `${o.dataset} has no test split in the data root: holding out ${100 * o.holdout}% of each class of the training samples (seed ${o.seed}) for testing; set the fraction with --holdout`,
    );
  } else
    log(
      `--holdout ${o.holdout}: testing on ${100 * o.holdout}% of each class of the ${o.dataset} training samples (seed ${o.seed}) instead of a test split`,
    );
  return holdOut(await trainSplit(), { fraction: o.holdout, seed: o.seed });
}

/** Per-sample input shape of a model for this dataset: `[C, H, W]`, or `[T, C, H, W]` for event frames. */
export function inputShapeOf(ds: ImageDataset): number[] {
  return ds.timesteps ? [ds.timesteps, ds.channels, ds.height, ds.width] : [ds.channels, ds.height, ds.width];
}

/** Colour images are normalised per channel (and augmented when asked); MNIST pixels stay in [0, 1]. */
const isColourImage = (ds: ImageDataset) => ds.channels === 3 && !ds.timesteps;

/**
 * One epoch's training batches, assembled in a worker thread so that the next batch is ready when a
 * (synchronous) training step ends.
 */
export async function* trainBatches(data: RunData, o: TrainOptions, epoch: number): AsyncGenerator<Batch> {
  const options: BatchOptions = {
    batchSize: o.batchSize,
    seed: o.seed,
    epoch,
    limit: o.trainLimit,
    augment: o.augment && isColourImage(data.train) ? { cropPadding: 4, flip: true } : undefined,
    normalize: isColourImage(data.train),
  };
  for await (const batch of workerBatches(data.train, options)) {
    // a macrotask turn per batch: with batches always ready, signals (Ctrl-C) would wait for the epoch's end
    await setImmediate();
    yield batch;
  }
}

/**
 * Evaluation batches: in order, the same normalisation as training. Evaluation keeps no gradient
 * tape, so batches of `evalBatchSize` (default: the training batch size) need no more memory than
 * a training step.
 */
export function testBatches(data: RunData, o: TrainOptions): AsyncIterable<Batch> {
  return batches(data.test, {
    batchSize: o.evalBatchSize ?? o.batchSize,
    shuffle: false,
    limit: o.testLimit,
    normalize: isColourImage(data.train),
  });
}
