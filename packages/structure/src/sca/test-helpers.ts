import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Batch } from '@synaptogen/nn';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The shared data root (SYNAPTOGEN_DATA, else ../shared/data next to the repository). */
export const dataRoot = process.env.SYNAPTOGEN_DATA ?? path.resolve(repoRoot, '../shared/data');

/**
 * `count` real CIFAR-10 test images from the official binary batch (1 label byte + 3072 CHW bytes),
 * scaled to [0, 1], starting at record `start`.
 */
export function cifarBatch(count: number, start = 0): Batch {
  const file = path.join(dataRoot, 'cifar10/cifar-10-batches-bin/test_batch.bin');
  const bytes = readFileSync(file);
  const rec = 3073;
  if (bytes.length < (start + count) * rec) throw new Error(`${file}: fewer than ${start + count} records`);
  const inputs = new Float32Array(count * 3072);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const o = (start + i) * rec;
    labels[i] = bytes[o];
    for (let k = 0; k < 3072; k++) inputs[i * 3072 + k] = bytes[o + 1 + k] / 255;
  }
  return { inputs, shape: [count, 3, 32, 32], labels };
}
