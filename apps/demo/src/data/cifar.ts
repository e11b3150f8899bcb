import type { ImageDataset } from '@synaptogen/datasets/core';
import { CIFAR_STATS, CIFAR10_CLASS_NAMES, parseCifarBatch } from '@synaptogen/datasets/formats';
import type { DemoData } from './dataset.js';

const TRAIN = /^data_batch_[1-5]\.bin$/;
const TEST = 'test_batch.bin';

function join(parts: { images: Uint8Array; labels: Uint8Array; count: number }[]): ImageDataset {
  const count = parts.reduce((a, p) => a + p.count, 0);
  const images = new Uint8Array(count * 3 * 32 * 32);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * 3 * 32 * 32);
    labels.set(p.labels, at);
    at += p.count;
  }
  const { mean, std } = CIFAR_STATS.cifar10;
  return {
    images,
    labels,
    count,
    channels: 3,
    height: 32,
    width: 32,
    classes: 10,
    mean,
    std,
    classNames: CIFAR10_CLASS_NAMES,
  };
}

/** CIFAR-10 from picked binary batches: any of `data_batch_1..5.bin` for training, `test_batch.bin` for testing. */
export async function cifarFromFiles(files: readonly File[]): Promise<DemoData> {
  const trainFiles = files.filter((f) => TRAIN.test(f.name)).sort((a, b) => a.name.localeCompare(b.name));
  const testFile = files.find((f) => f.name === TEST);
  if (!trainFiles.length || !testFile)
    throw new Error(
      `pick CIFAR-10's binary batches: at least one data_batch_<1-5>.bin and test_batch.bin (got: ${files.map((f) => f.name).join(', ') || 'nothing'})`,
    );
  const read = async (f: File) => parseCifarBatch(new Uint8Array(await f.arrayBuffer()), 'cifar10', f.name);
  const train = join(await Promise.all(trainFiles.map(read)));
  const test = join([await read(testFile)]);
  return { name: 'cifar10', train, test, classNames: CIFAR10_CLASS_NAMES };
}
