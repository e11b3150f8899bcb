import { describe, expect, it } from 'vitest';
import { simdAugmentAvailable } from './augmentKernel.js';
import { type Batch, batchCount, batches } from './batching.js';
import { InvalidArgumentError } from './errors.js';
import type { ImageDataset } from './types.js';

/** A 2-channel 4x4 dataset whose pixel value encodes (sample, channel, y, x). */
function synthetic(count: number): ImageDataset {
  const images = new Uint8Array(count * 2 * 16);
  for (let i = 0; i < count; i++)
    for (let c = 0; c < 2; c++)
      for (let p = 0; p < 16; p++) images[i * 32 + c * 16 + p] = (i * 7 + c * 100 + p) % 256;
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
  return {
    images,
    labels,
    count,
    channels: 2,
    height: 4,
    width: 4,
    classes: 3,
    mean: [0.5, 0.25],
    std: [0.5, 0.25],
  };
}

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('batches', () => {
  it('covers every sample once per epoch, seeded, with dropLast and limit', async () => {
    const ds = synthetic(10);
    const a = await collect(batches(ds, { batchSize: 4, seed: 3 }));
    expect(a.map((b) => b.shape)).toEqual([
      [4, 2, 4, 4],
      [4, 2, 4, 4],
      [2, 2, 4, 4],
    ]);
    const seen = a.flatMap((b) => Array.from(b.indices)).sort((x, y) => x - y);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = await collect(batches(ds, { batchSize: 4, seed: 3 }));
    expect(again.map((b) => Array.from(b.indices))).toEqual(a.map((b) => Array.from(b.indices)));
    const other = await collect(batches(ds, { batchSize: 4, seed: 3, epoch: 1 }));
    expect(other.map((b) => Array.from(b.indices))).not.toEqual(a.map((b) => Array.from(b.indices)));
    const dropped = await collect(batches(ds, { batchSize: 4, dropLast: true, limit: 9 }));
    expect(dropped).toHaveLength(2);
    expect(batchCount(ds, { batchSize: 4, dropLast: true, limit: 9 })).toBe(2);
    expect(dropped.flatMap((b) => Array.from(b.indices)).every((i) => i < 9)).toBe(true);
  });

  it('scales bytes to [0,1], normalises with the dataset stats and keeps labels', async () => {
    const ds = synthetic(3);
    const [b] = await collect(batches(ds, { batchSize: 3, shuffle: false, normalize: true }));
    expect(Array.from(b.labels)).toEqual([0, 1, 2]);
    // sample 1, channel 1, y 2, x 3 -> raw (7 + 100 + 11) = 118
    const v = b.inputs[1 * 32 + 16 + 2 * 4 + 3];
    expect(v).toBeCloseTo((118 / 255 - 0.25) / 0.25, 5);
  });

  it('flips and crops with zero padding exactly like pad-then-crop', async () => {
    const ds = synthetic(1);
    const flipped = await collect(
      batches(ds, { batchSize: 1, shuffle: false, augment: { flip: true }, scale: 1, seed: 0 }),
    );
    const seeds = [...Array(20).keys()];
    let sawFlip = false;
    for (const seed of seeds) {
      const [b] = await collect(batches(ds, { batchSize: 1, augment: { flip: true }, scale: 1, seed }));
      const row0 = Array.from(b.inputs.subarray(0, 4));
      if (row0[0] === ds.images[3]) {
        sawFlip = true;
        expect(row0).toEqual([3, 2, 1, 0].map((x) => ds.images[x]));
      } else expect(row0).toEqual([0, 1, 2, 3].map((x) => ds.images[x]));
    }
    expect(sawFlip).toBe(true);
    expect(flipped[0].inputs.length).toBe(32);
    // Crop with padding 1: every output is either a source pixel at a shift within [-1, 1] or the pad value 0.
    for (const seed of seeds) {
      const [b] = await collect(batches(ds, { batchSize: 1, augment: { cropPadding: 1 }, scale: 1, seed }));
      let match = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          let ok = true;
          for (let c = 0; c < 2 && ok; c++)
            for (let y = 0; y < 4 && ok; y++)
              for (let x = 0; x < 4 && ok; x++) {
                const sy = y + dy;
                const sx = x + dx;
                const want = sy < 0 || sy > 3 || sx < 0 || sx > 3 ? 0 : ds.images[c * 16 + sy * 4 + sx];
                ok = b.inputs[c * 16 + y * 4 + x] === want;
              }
          if (ok) match++;
        }
      expect(match).toBeGreaterThanOrEqual(1);
    }
  });

  it('padding larger than the image: shifted-out rows and columns are all padding', async () => {
    const ds = synthetic(4); // 2 x 4 x 4 each; a spill past a row would corrupt a neighbour
    for (const seed of [...Array(20).keys()]) {
      const [b] = await collect(
        batches(ds, { batchSize: 4, augment: { cropPadding: 6, flip: true }, scale: 1, seed }),
      );
      for (let s = 0; s < 4; s++) {
        const base = b.indices[s] * 32;
        let match = 0;
        for (const flip of [false, true])
          for (let dy = -6; dy <= 6; dy++)
            for (let dx = -6; dx <= 6; dx++) {
              let ok = true;
              for (let i = 0; i < 32 && ok; i++) {
                const [c, y, x] = [i >> 4, (i >> 2) & 3, i & 3];
                const sy = y + dy;
                const sx = (flip ? 3 - x : x) + dx;
                const want =
                  sy < 0 || sy > 3 || sx < 0 || sx > 3 ? 0 : ds.images[base + c * 16 + sy * 4 + sx];
                ok = b.inputs[s * 32 + i] === want;
              }
              if (ok) match++;
            }
        expect(match).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('Poisson encoding gives [T, B, C, H, W] spikes with rates matching the intensities', async () => {
    const images = new Uint8Array(2 * 64).fill(0);
    images.fill(255, 0, 64); // sample 0 always spikes
    images.fill(51, 64, 128); // sample 1: p = 0.2
    const ds: ImageDataset = {
      images,
      labels: new Uint8Array(2),
      count: 2,
      channels: 1,
      height: 8,
      width: 8,
      classes: 1,
    };
    const [b] = await collect(
      batches(ds, { batchSize: 2, shuffle: false, encoding: 'poisson', timesteps: 50, seed: 1 }),
    );
    expect(b.shape).toEqual([50, 2, 1, 8, 8]);
    let ones0 = 0;
    let ones1 = 0;
    for (let t = 0; t < 50; t++) {
      for (let i = 0; i < 64; i++) {
        const v0 = b.inputs[t * 128 + i];
        const v1 = b.inputs[t * 128 + 64 + i];
        expect(v0 === 0 || v0 === 1).toBe(true);
        ones0 += v0;
        ones1 += v1;
      }
    }
    expect(ones0).toBe(50 * 64);
    expect(ones1 / (50 * 64)).toBeGreaterThan(0.17);
    expect(ones1 / (50 * 64)).toBeLessThan(0.23);
  });

  it('event datasets come out time-major [T, B, 2, H, W]', async () => {
    const T = 3;
    const images = new Float32Array(2 * T * 2 * 4);
    for (let i = 0; i < images.length; i++) images[i] = i;
    const ds: ImageDataset = {
      images,
      labels: Uint8Array.of(1, 0),
      count: 2,
      channels: 2,
      height: 2,
      width: 2,
      classes: 2,
      timesteps: T,
    };
    const [b] = await collect(batches(ds, { batchSize: 2, shuffle: false }));
    expect(b.shape).toEqual([3, 2, 2, 2, 2]);
    // frame t=2 of sample 1 starts at source (1*3+2)*8 = 40 and lands at (2*2+1)*8 = 40
    expect(b.inputs[(2 * 2 + 1) * 8]).toBe(40);
    // frame t=1 of sample 0 starts at source 8 and lands at (1*2+0)*8 = 16
    expect(b.inputs[16]).toBe(8);
  });

  it('prefetches: the next batch is assembled before the consumer asks for it', async () => {
    const assembled: number[] = [];
    const it = batches(synthetic(12), { batchSize: 4, onAssembled: (k) => assembled.push(k) });
    await it.next();
    expect(assembled).toEqual([0]);
    await new Promise((r) => setTimeout(r, 5)); // the consumer's "training step"
    expect(assembled).toEqual([0, 1]);
    await it.return(undefined);
  });

  it('prefetch 0 still yields every batch, built on demand', async () => {
    const all = await collect(batches(synthetic(10), { batchSize: 3, prefetch: 0 }));
    expect(all.map((b) => b.labels.length)).toEqual([3, 3, 3, 1]);
  });

  it('the WASM SIMD kernel and the JS loops give bit-identical batches (odd widths, big shifts)', async () => {
    expect(simdAugmentAvailable()).toBe(true); // Node 20 has WASM SIMD
    for (const [C, H, W, pad] of [
      [3, 5, 7, 2],
      [1, 9, 19, 5],
      [2, 4, 33, 8],
      [3, 32, 32, 4],
    ]) {
      const count = 9;
      const images = Uint8Array.from({ length: count * C * H * W }, (_, i) => (i * 37 + (i >> 3)) % 256);
      const ds: ImageDataset = {
        images,
        labels: new Uint8Array(count),
        count,
        channels: C,
        height: H,
        width: W,
        classes: 1,
        mean: new Array(C).fill(0.3),
        std: new Array(C).fill(0.7),
      };
      const o = { batchSize: 4, seed: 11, augment: { cropPadding: pad, flip: true }, normalize: true };
      const simd = await collect(batches(ds, { ...o, simd: true }));
      const js = await collect(batches(ds, { ...o, simd: false }));
      expect(simd.map((b) => b.shape)).toEqual(js.map((b) => b.shape));
      for (let i = 0; i < js.length; i++) {
        expect(Buffer.from(simd[i].inputs.buffer).equals(Buffer.from(js[i].inputs.buffer))).toBe(true);
      }
    }
  });

  it('rejects bad options with typed errors', async () => {
    const ds = synthetic(2);
    await expect(collect(batches(ds, { batchSize: 0 }))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(collect(batches(ds, { batchSize: 1, encoding: 'poisson' }))).rejects.toThrow(/timesteps/);
    await expect(collect(batches(ds, { batchSize: 1, normalize: { mean: [0], std: [1] } }))).rejects.toThrow(
      /2 means/,
    );
  });
});
