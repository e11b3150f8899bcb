import { describe, expect, it } from 'vitest';
import { conv2dBackpropFilter } from './conv.js';
import { partialBlocks } from './partial-blocks.js';
import { loadKernels } from './runtime.js';
import { conv2dBackpropFilterSpikes } from './spike-conv.js';
import { seededUniform } from './test-helpers.js';

// The self-scheduling filter gradients (Winograd, spike events) sum per-block partials in block
// order: the same inputs on two threads give the same bits every time, whichever thread is faster.
// With per-thread partials, repeated runs of one seed differed in the last bits and training drifted.
const REPEATS = 16;

const g = {
  batch: 16,
  inH: 16,
  inW: 16,
  inC: 32,
  outH: 16,
  outW: 16,
  outC: 64,
  kH: 3,
  kW: 3,
  strideH: 1,
  strideW: 1,
  padTop: 1,
  padLeft: 1,
};

function distinctResults(run: () => Float32Array): number {
  const seen = new Set<string>();
  for (let r = 0; r < REPEATS; r++) seen.add(Buffer.from(run().buffer).toString('base64'));
  return seen.size;
}

describe('filter gradients on two threads are deterministic', () => {
  const x = seededUniform(g.batch * g.inH * g.inW * g.inC, 11);
  const spikes = x.map((v) => (v > 0.6 ? 1 : 0));
  const dy = seededUniform(g.batch * g.outH * g.outW * g.outC, 12);

  it('Winograd F(3×3, 2×2): the same bits on every run, close to one thread', async () => {
    const k1 = await loadKernels({ threads: 1 });
    const k2 = await loadKernels({ threads: 2 });
    const one = conv2dBackpropFilter(k1, x, dy, g);
    expect(distinctResults(() => conv2dBackpropFilter(k2, x, dy, g))).toBe(1);
    expect(k2.lastParallelism).toBe(2);
    const two = conv2dBackpropFilter(k2, x, dy, g);
    let diff = 0;
    for (let i = 0; i < one.length; i++) diff = Math.max(diff, Math.abs(one[i] - two[i]));
    expect(diff).toBeLessThan(1e-3);
    expect(one.some((v) => v !== 0)).toBe(true);
  });

  it('spike events (channel-major): the same bits on every run, equal to one thread up to order', async () => {
    const k1 = await loadKernels({ threads: 1 });
    const k2 = await loadKernels({ threads: 2 });
    const n = g.kH * g.kW * g.inC * g.outC;
    const one = conv2dBackpropFilterSpikes(k1, spikes, dy, g, new Float32Array(n), 1);
    expect(one).not.toBeNull();
    expect(
      distinctResults(
        () => conv2dBackpropFilterSpikes(k2, spikes, dy, g, new Float32Array(n), 1) as Float32Array,
      ),
    ).toBe(1);
    expect(k2.lastParallelism).toBe(2);
    const two = conv2dBackpropFilterSpikes(k2, spikes, dy, g, new Float32Array(n), 1) as Float32Array;
    let diff = 0;
    for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs((one as Float32Array)[i] - two[i]));
    expect(diff).toBeLessThan(1e-3);
  });

  it('cuts the work into whole granules, several blocks per thread within the scratch budget', () => {
    expect(partialBlocks(16, 1, 1000)).toEqual({ blocks: 1, perBlock: 16 });
    expect(partialBlocks(16, 2, 1000)).toEqual({ blocks: 8, perBlock: 2 });
    expect(partialBlocks(1000, 2, 1000, 64)).toEqual({ blocks: 8, perBlock: 128 });
    // a partial of 4 M floats: the 8 M float budget allows two, one per thread
    expect(partialBlocks(64, 2, 4 << 20)).toEqual({ blocks: 2, perBlock: 32 });
    expect(partialBlocks(3, 2, 1000)).toEqual({ blocks: 3, perBlock: 1 });
  });
});
