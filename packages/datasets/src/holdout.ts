import { createRng, mixSeed, permutation } from './rng.js';
import type { ImageDataset } from './types.js';

export interface HoldOutOptions {
  /** Fraction of each class held out for testing, in (0, 1). */
  fraction: number;
  /** Seed of the draw: the same seed gives the same split. */
  seed: number;
}

/** A dataset's samples at `indices` (in that order), with its metadata. */
export function subsetDataset(ds: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const size = ds.images.length / ds.count;
  const images = new (ds.images.constructor as Uint8ArrayConstructor | Float32ArrayConstructor)(
    indices.length * size,
  );
  const labels = new Uint8Array(indices.length);
  const coarse = ds.coarseLabels ? new Uint8Array(indices.length) : undefined;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i];
    if (coarse && ds.coarseLabels) coarse[k] = ds.coarseLabels[i];
  }
  return { ...ds, images, labels, count: indices.length, ...(coarse ? { coarseLabels: coarse } : {}) };
}

/**
 * A deterministic held-out split for datasets without a test split (N-MNIST's `train1K.txt` set):
 * per class, round(fraction · n) samples drawn with the seed go to `test`, the rest to `train`; both
 * keep the original sample order. Stratified, so small sets keep every class on both sides.
 */
export function holdOut(
  ds: ImageDataset,
  options: HoldOutOptions,
): { train: ImageDataset; test: ImageDataset } {
  const { fraction, seed } = options;
  if (!(fraction > 0 && fraction < 1))
    throw new Error(`holdOut: fraction expects a number in (0, 1), got ${fraction}`);
  if (!Number.isInteger(seed)) throw new Error(`holdOut: seed expects an integer, got ${seed}`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < ds.count; i++) {
    const list = byClass.get(ds.labels[i]) ?? [];
    list.push(i);
    byClass.set(ds.labels[i], list);
  }
  const isTest = new Uint8Array(ds.count);
  for (const [label, list] of byClass) {
    // one stream per class: a class's draw does not depend on the other classes' sizes
    const order = permutation(list.length, createRng(mixSeed(seed, label, 0x401d)));
    const n = Math.round(fraction * list.length);
    for (let k = 0; k < n; k++) isTest[list[order[k]]] = 1;
  }
  const pick = (want: number) =>
    Array.from({ length: ds.count }, (_, i) => i).filter((i) => isTest[i] === want);
  return { train: subsetDataset(ds, pick(0)), test: subsetDataset(ds, pick(1)) };
}
