import { describe, expect, it } from 'vitest';
import { holdOut } from './holdout.js';
import type { ImageDataset } from './types.js';

/** 50 one-pixel samples whose pixel is the sample index; class = index mod 5. */
function synthetic(): ImageDataset {
  const count = 50;
  return {
    images: Uint8Array.from({ length: count }, (_, i) => i),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 5),
    count,
    channels: 1,
    height: 1,
    width: 1,
    classes: 5,
  };
}

describe('holdOut', () => {
  it('splits every class by the fraction, deterministically per seed, without overlap', () => {
    const ds = synthetic();
    const a = holdOut(ds, { fraction: 0.2, seed: 3 });
    expect(a.test.count).toBe(10);
    expect(a.train.count).toBe(40);
    for (let c = 0; c < 5; c++) expect(a.test.labels.filter((l) => l === c).length).toBe(2);
    // pixels carry the original index: disjoint, complete, in the original order, labels follow
    const ids = [...a.train.images, ...a.test.images].sort((x, y) => x - y);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...a.test.images]).toEqual([...a.test.images].sort((x, y) => x - y));
    a.test.images.forEach((id, k) => {
      expect(a.test.labels[k]).toBe(id % 5);
    });
    expect([...holdOut(ds, { fraction: 0.2, seed: 3 }).test.images]).toEqual([...a.test.images]);
    expect([...holdOut(ds, { fraction: 0.2, seed: 4 }).test.images]).not.toEqual([...a.test.images]);
  });

  it('rejects a fraction outside (0, 1) and a non-integer seed', () => {
    expect(() => holdOut(synthetic(), { fraction: 1, seed: 0 })).toThrow(
      /fraction expects a number in \(0, 1\), got 1/,
    );
    expect(() => holdOut(synthetic(), { fraction: 0.2, seed: 0.5 })).toThrow(/seed expects an integer/);
  });
});
