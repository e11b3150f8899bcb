import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { batches, loadDataset } from '@synaptogen/datasets/node';
import { countOps, mapToChip, type NetworkProfile } from '@synaptogen/hardware';
import { validateProfile } from '@synaptogen/hardware/profile';
import {
  createModel,
  initBackend,
  profile as measureProfile,
  type NetworkProfile as NnNetworkProfile,
  type Signal,
  type SpikingModel,
} from '@synaptogen/nn';
import type { Conv2d, Linear } from '@synaptogen/nn/layers';
import { profileWeights } from '@synaptogen/nn/profile';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * nn writes hardware's profile format without importing hardware (DESIGN.md's dependency direction).
 * This is where both are visible: the assignment below fails to compile if the formats drift apart,
 * and every test runs hardware's validateProfile on what nn measured.
 */
const compatible = (p: NnNetworkProfile): NetworkProfile => p;

async function profileModel(...args: Parameters<typeof measureProfile>): Promise<NetworkProfile> {
  const p = compatible(await measureProfile(...args));
  validateProfile(p, 'nn profile');
  return p;
}

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const DATA = process.env.SYNAPTOGEN_DATA ?? path.resolve(REPO, '../shared/data');

/** Seeded 0/1 mask with the given density (mulberry32). */
function randomMask(size: number, density: number, seed: number): Uint8Array {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Uint8Array.from({ length: size }, () => (rand() < density ? 1 : 0));
}

/** Multiplies a weight variable by a 0/1 mask (prunes it in place). */
function prune(w: tf.Variable, mask: Uint8Array): void {
  tf.tidy(() => w.assign(tf.mul(w, tf.tensor(Float32Array.from(mask), w.shape))));
}

/** Runs the body up to (not including) layer `stop` the way SpikingModel.forward does; returns that signal's values. */
function signalBefore(
  model: SpikingModel,
  x: tf.Tensor,
  stop: number,
): { values: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    model.eval();
    model.resetState();
    let s: Signal =
      x.rank === 4 ? { x: tf.transpose(x, [0, 2, 3, 1]), temporal: false } : { x, temporal: false };
    for (let i = 0; i < stop; i++) s = model.body.layers[i].call(s, { T: model.config.T, training: false });
    const out = { values: s.x.dataSync() as Float32Array, shape: s.x.shape };
    model.resetState();
    return out;
  });
}

async function firstBatch(dataset: 'mnist' | 'cifar10', n: number) {
  const ds = await loadDataset(dataset, { dataDir: DATA, split: 'test', limit: n });
  const it = batches(ds, { batchSize: n, shuffle: false, limit: n, normalize: ds.channels === 3 });
  for await (const b of it) return b;
  throw new Error('no batch');
}

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe("nn's profile on real data, valid for hardware, checked against a brute-force count", () => {
  it('gradr-mnist-mlp, pruned, with hidden neurons that lost every input', async () => {
    const n = 48;
    const batch = await firstBatch('mnist', n);
    const model = createModel('gradr-mnist-mlp', { seed: 3 });
    const fc1 = model.body.layers[1] as Linear;
    const fc2 = model.body.layers[3] as Linear;
    // scale up fc1 so the hidden layer fires a fair amount even untrained
    tf.tidy(() => fc1.weight.assign(tf.mul(fc1.weight, 20)));
    const m1 = randomMask(784 * 800, 0.3, 1);
    for (let i = 0; i < 784; i++) for (let o = 0; o < 10; o++) m1[i * 800 + o] = 0; // hidden 0..9: no inputs
    const m2 = randomMask(800 * 10, 0.5, 2);
    prune(fc1.weight, m1);
    prune(fc2.weight, m2);

    const profile = await profileModel(model, [batch], { samples: n });
    const ops = countOps(profile);
    expect(profile.layers.map((l) => [l.input, l.steps])).toEqual([
      ['analog', 1],
      ['spikes', 8],
    ]);

    // independent count: every nonzero pixel times its nonzero fan-out; every hidden spike likewise
    const x = tf.tensor(batch.inputs, batch.shape);
    const pixels = batch.inputs;
    let macs = 0;
    for (let s = 0; s < n; s++)
      for (let i = 0; i < 784; i++) {
        if (pixels[s * 784 + i] === 0) continue;
        for (let o = 0; o < 800; o++) macs += m1[i * 800 + o];
      }
    const hidden = signalBefore(model, x, 3); // after Flatten, fc1, LIF: [T, N, 800]
    expect(hidden.shape).toEqual([8, n, 800]);
    let acs = 0;
    let spikes = 0;
    let nonBinary = 0;
    let fromInputless = 0;
    for (let k = 0; k < hidden.values.length; k++) {
      const v = hidden.values[k];
      if (v !== 0 && v !== 1) nonBinary++;
      if (!v) continue;
      spikes++;
      const h = k % 800;
      if (h < 10) fromInputless++;
      for (let o = 0; o < 10; o++) acs += m2[h * 10 + o];
    }
    expect(nonBinary).toBe(0);
    expect(fromInputless).toBe(0); // neurons without inputs never fire
    expect(spikes / hidden.values.length).toBeGreaterThan(0.01);
    expect(ops.total.effectiveMACs).toBe(macs / n);
    expect(ops.total.effectiveACs).toBe(acs / n);
    // the 10 input-less hidden neurons are removed from the network
    expect(ops.layers[0].neurons).toBe(790);
    expect(ops.layers[1].membraneUpdates).toBe(10 * 8);
    expect(profile.layers[1].inChannelMask?.slice(0, 11)).toEqual(
      Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    );
    x.dispose();
    model.dispose();
  });

  it('conv-small on CIFAR-10: analog first conv, spiking convs with borders, a masked channel', async () => {
    const n = 6;
    const batch = await firstBatch('cifar10', n);
    const model = createModel('conv-small', { seed: 5, width: 0.25 }); // conv 8, M, 16, M, 32, M -> Linear
    const conv1 = model.body.layers[0] as Conv2d;
    const conv2 = model.body.layers[4] as Conv2d;
    // SCA's channel mask: filter 0 of conv1 and its BN γ, β zeroed
    const keep = Uint8Array.from({ length: 3 * 3 * 3 * 8 }, (_, i) => (i % 8 === 0 ? 0 : 1));
    prune(conv1.weight, keep);
    const bn = model.body.layers[1];
    for (const [name, v] of bn.namedParameters())
      if (name === 'weight' || name === 'bias')
        prune(
          v,
          Uint8Array.from({ length: 8 }, (_, c) => (c ? 1 : 0)),
        );
    const m2 = randomMask(3 * 3 * 8 * 16, 0.5, 9);
    prune(conv2.weight, m2);

    const profile = await profileModel(model, [batch]);
    expect(profile.layers.map((l) => [l.kind, l.input, l.steps, l.neurons])).toEqual([
      ['conv2d', 'analog', 1, true],
      ['conv2d', 'spikes', 4, true],
      ['conv2d', 'spikes', 4, true],
      ['linear', 'spikes', 4, false],
    ]);
    const last = profile.layers[3];
    expect(last.kind === 'linear' && last.inputShape).toEqual([4, 4, 32]);
    expect(profile.layers[0].outChannelMask?.[0]).toBe(0);
    expect(profile.layers[1].inChannelMask?.[0]).toBe(0);

    // brute force over the actual spikes entering conv2 ([T, N, 16, 16, 8] after the first max-pool)
    const x = tf.tensor(batch.inputs, batch.shape);
    const s = signalBefore(model, x, 4);
    expect(s.shape).toEqual([4, n, 16, 16, 8]);
    let acs = 0;
    for (let k = 0; k < s.values.length; k++) {
      if (!s.values[k]) continue;
      const ci = k % 8;
      const xx = Math.floor(k / 8) % 16;
      const yy = Math.floor(k / 128) % 16;
      for (let oy = 0; oy < 16; oy++)
        for (let ox = 0; ox < 16; ox++) {
          const ky = yy - oy + 1;
          const kx = xx - ox + 1;
          if (ky < 0 || ky > 2 || kx < 0 || kx > 2) continue;
          for (let co = 0; co < 16; co++) acs += m2[((ky * 3 + kx) * 8 + ci) * 16 + co];
        }
    }
    expect(acs).toBeGreaterThan(0);
    expect(countOps(profile).layers[1].effectiveACs).toBe(acs / n);
    x.dispose();
    model.dispose();
  });

  it('stops at the sample budget and rejects data of the wrong shape', async () => {
    const batch = await firstBatch('mnist', 20);
    const model = createModel('gradr-mnist-mlp', { seed: 1 });
    const profile = await profileModel(model, [batch, batch], { samples: 30 });
    expect(profile.meta?.samples).toBe(30);
    const cifar = await firstBatch('cifar10', 2);
    await expect(profileModel(model, [cifar])).rejects.toThrow(/expects \[1, 28, 28\].*--dataset/);
    model.dispose();
  });

  it('profileWeights (no data) is valid for hardware and maps like the measured profile', async () => {
    const batch = await firstBatch('cifar10', 4);
    const model = createModel('conv-small', { seed: 2, width: 0.25 });
    const conv2 = model.body.layers[4] as Conv2d;
    prune(conv2.weight, randomMask(3 * 3 * 8 * 16, 0.4, 4));
    const weightsOnly = compatible(profileWeights(model, { rate: 0.1 }));
    validateProfile(weightsOnly, 'profileWeights');
    const measured = await profileModel(model, [batch]);
    expect(weightsOnly.layers.map((l) => [l.kind, l.input, l.steps])).toEqual(
      measured.layers.map((l) => [l.kind, l.input, l.steps]),
    );
    expect(weightsOnly.layers[1].weights).toEqual(measured.layers[1].weights);
    expect(mapToChip(weightsOnly, 'loihi').cores).toBe(mapToChip(measured, 'loihi').cores);
    const mlp = createModel('gradr-mnist-mlp', { seed: 1 });
    validateProfile(compatible(profileWeights(mlp)), 'profileWeights');
    model.dispose();
    mlp.dispose();
  });
});
