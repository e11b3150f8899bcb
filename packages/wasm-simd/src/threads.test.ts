import { describe, expect, it } from 'vitest';
import { conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
import { neuronBackward, neuronForward } from './neurons.js';
import { loadKernels, sharedMemorySupported } from './runtime.js';
import { seededUniform } from './test-helpers.js';

describe('worker threads with shared memory', () => {
  it('Node has SharedArrayBuffer, so two threads are used', async () => {
    expect(sharedMemorySupported()).toBe(true);
    const k2 = await loadKernels({ threads: 2 });
    expect(k2.threads).toBe(2);
    const k1 = await loadKernels({ threads: 1 });
    expect(k1.threads).toBe(1);
    expect(k1).not.toBe(k2);
    await expect(loadKernels({ threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
  });

  it('conv gradients on two threads equal one thread (work large enough to split)', async () => {
    const k1 = await loadKernels({ threads: 1 });
    const k2 = await loadKernels({ threads: 2 });
    const g = {
      batch: 8,
      inH: 16,
      inW: 16,
      inC: 32,
      outH: 8,
      outW: 8,
      outC: 32,
      kH: 3,
      kW: 3,
      strideH: 2,
      strideW: 2,
      padTop: 0,
      padLeft: 0,
    };
    const x = seededUniform(8 * 16 * 16 * 32, 1);
    const dy = seededUniform(8 * 8 * 8 * 32, 2);
    const w = seededUniform(9 * 32 * 32, 3);
    const f1 = conv2dBackpropFilter(k1, x, dy, g);
    const f2 = conv2dBackpropFilter(k2, x, dy, g);
    expect(k2.lastParallelism).toBe(2);
    let diff = 0;
    for (let i = 0; i < f1.length; i++) diff = Math.max(diff, Math.abs(f1[i] - f2[i]));
    expect(diff).toBeLessThan(1e-4); // partial sums are added in a different order
    expect(f1.some((v) => v !== 0)).toBe(true);
    // Images are split between threads, each dx element is written by one thread: identical.
    const i2 = conv2dBackpropInput(k2, dy, w, g);
    expect(k2.lastParallelism).toBe(2);
    expect(Array.from(i2)).toEqual(Array.from(conv2dBackpropInput(k1, dy, w, g)));
  });

  it('neurons on two threads equal one thread', async () => {
    const k1 = await loadKernels({ threads: 1 });
    const k2 = await loadKernels({ threads: 2 });
    const T = 4;
    const n = 1 << 18;
    const x = seededUniform(T * n, 4).map((v) => v + 0.6);
    const o = { kind: 'LIF' as const, surrogate: 'atan' as const };
    const a = neuronForward(k1, x, T, o);
    const b = neuronForward(k2, x, T, o);
    expect(k2.lastParallelism).toBe(2);
    expect(Buffer.from(b.spikes.buffer).equals(Buffer.from(a.spikes.buffer))).toBe(true);
    expect(Buffer.from(b.h.buffer).equals(Buffer.from(a.h.buffer))).toBe(true);
    const ga = neuronBackward(k1, x, a.h, T, o);
    const gb = neuronBackward(k2, x, a.h, T, o);
    expect(Buffer.from(gb.gradX.buffer).equals(Buffer.from(ga.gradX.buffer))).toBe(true);
  });
});
