import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Conv2d } from '../layers/conv2d.js';
import type { Linear } from '../layers/linear.js';
import { createModel } from '../models/zoo.js';
import { seededArray } from '../test-utils.js';
import type { Batch } from '../train/trainer.js';
import { PROFILE_VERSION } from './format.js';
import { profile, profileWeights } from './profile.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A batch of `n` images `[C, H, W]` whose pixels are 0 where the seeded value is below `zeros`. */
function images(n: number, shape: number[], seed: number, zeros: number): Batch {
  const per = shape.reduce((a, b) => a * b, 1);
  const v = seededArray(n * per, seed);
  const inputs = Float32Array.from(v, (x) => (x < zeros ? 0 : x));
  return { inputs, shape: [n, ...shape], labels: new Array(n).fill(0) };
}

describe('profile', () => {
  it('counts nonzero analog pixels per position and records masks and shapes (MLP)', async () => {
    const model = createModel('gradr-mnist-mlp', { inputShape: [1, 4, 4], classes: 3, T: 3, seed: 1 });
    const fc1 = model.body.layers[1] as Linear;
    // prune every weight out of input pixel 0
    tf.tidy(() => {
      const m = Float32Array.from({ length: 16 * 800 }, (_, i) => (i < 800 ? 0 : 1));
      fc1.weight.assign(tf.mul(fc1.weight, tf.tensor(m, fc1.weight.shape)));
    });
    const a = images(5, [1, 4, 4], 7, 0.4);
    const b = images(4, [1, 4, 4], 8, 0.4);
    const p = await profile(model, [a, b], { samples: 7, meta: { dataset: 'synthetic' } });
    expect(p.version).toBe(PROFILE_VERSION);
    expect(p.timeSteps).toBe(3);
    expect(p.inputShape).toEqual([4, 4, 1]);
    expect(p.meta).toEqual({ model: 'gradr-mnist-mlp', samples: 7, dataset: 'synthetic' });
    const [l1, l2] = p.layers;
    expect(l1).toMatchObject({ kind: 'linear', name: 'body.1', input: 'analog', steps: 1, neurons: true });
    expect(l2).toMatchObject({ kind: 'linear', name: 'body.3', input: 'spikes', steps: 3, neurons: true });
    // the first 7 samples: all 5 of a, 2 of b; every position counted where the pixel is nonzero
    const expected = new Float64Array(16);
    for (let s = 0; s < 7; s++) {
      const src = s < 5 ? a.inputs.subarray(s * 16) : b.inputs.subarray((s - 5) * 16);
      for (let i = 0; i < 16; i++) if (src[i] !== 0) expected[i]++;
    }
    expect(l1.activity).toEqual({
      kind: 'measured',
      samples: 7,
      counts: expected,
      perStep: Float64Array.of(expected.reduce((x, y) => x + y, 0)),
    });
    expect(l1.weights.kind).toBe('mask');
    const mask = (l1.weights as { mask: Uint8Array }).mask;
    expect(mask.length).toBe(16 * 800);
    expect(mask.subarray(0, 800).every((v) => v === 0)).toBe(true);
    expect(mask.subarray(800).every((v) => v === 1)).toBe(true);
    expect(l2.weights).toEqual({ kind: 'dense' });
    model.dispose();
  });

  it('walks a conv net: padding, output sizes, flatten shape, and stays in training mode', async () => {
    const model = createModel('conv-small', { inputShape: [3, 8, 8], classes: 4, seed: 2, width: 0.125 });
    model.train(true);
    const p = await profile(model, [images(3, [3, 8, 8], 3, 0)]);
    expect(model.training).toBe(true);
    expect(p.layers.map((l) => [l.kind, l.input, l.steps, l.neurons])).toEqual([
      ['conv2d', 'analog', 1, true],
      ['conv2d', 'spikes', 4, true],
      ['conv2d', 'spikes', 4, true],
      ['linear', 'spikes', 4, false],
    ]);
    const c2 = p.layers[1];
    const conv2 = model.body.layers[4] as Conv2d;
    expect(c2).toMatchObject({
      kind: 'conv2d',
      inChannels: conv2.inChannels,
      outChannels: conv2.outChannels,
      kernel: [3, 3],
      stride: [1, 1],
      padding: [1, 1],
      inputSize: [4, 4],
      outputSize: [4, 4],
    });
    const last = p.layers[3];
    expect(last.kind === 'linear' && last.inputShape).toEqual([
      1,
      1,
      last.kind === 'linear' ? last.inFeatures : 0,
    ]);
    // every analog pixel of the 3 samples is nonzero (zeros = 0): 3 per position
    const a0 = p.layers[0].activity;
    expect(a0.kind === 'measured' && Array.from(new Set(a0.counts))).toEqual([3]);
    model.dispose();
  });

  it('rejects data of the wrong shape and an empty source', async () => {
    const model = createModel('gradr-mnist-mlp', { inputShape: [1, 4, 4], classes: 3, T: 2 });
    await expect(profile(model, [images(2, [1, 5, 5], 1, 0)])).rejects.toThrow(/expects \[1, 4, 4\]/);
    await expect(profile(model, [])).rejects.toThrow(/no samples/);
    model.dispose();
  });
});

describe('profileWeights', () => {
  it('gives the same layers without data, with an assumed rate', () => {
    const model = createModel('conv-small', { inputShape: [3, 8, 8], classes: 4, seed: 2, width: 0.125 });
    const p = profileWeights(model, { rate: 0.25 });
    expect(p.meta).toEqual({ model: 'conv-small' });
    expect(p.layers.map((l) => [l.kind, l.input, l.steps, l.activity])).toEqual([
      ['conv2d', 'analog', 1, { kind: 'rate', rate: 0.25 }],
      ['conv2d', 'spikes', 4, { kind: 'rate', rate: 0.25 }],
      ['conv2d', 'spikes', 4, { kind: 'rate', rate: 0.25 }],
      ['linear', 'spikes', 4, { kind: 'rate', rate: 0.25 }],
    ]);
    expect(p.layers.every((l) => l.outChannelMask === undefined)).toBe(true);
    expect(() => profileWeights(model, { rate: 2 })).toThrow(/rate must be in \[0, 1\]/);
    model.dispose();
  });
});
