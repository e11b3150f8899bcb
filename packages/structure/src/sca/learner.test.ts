import { createModel, SGD, type SpikingModel, Trainer } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLearner } from '../registry.js';
import '../builtins.js';
import { SCA } from './learner.js';
import { applyChannelMasks } from './masks.js';
import { cifarBatch } from './test-helpers.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  // tfjs-backend-cpu's Conv2DBackpropFilter takes seconds even on tiny convs; wasm trains these in ms
  await tf.setBackend('wasm');
});

/** conv-small at width 0.25 on 16×16 crops of real CIFAR-10 images (fast on the cpu backend). */
function tinyModel(name = 'conv-small', width = 0.25): SpikingModel {
  return createModel(name, { width, inputShape: [3, 16, 16], T: 2, seed: 1 });
}

function crops(count: number, start: number) {
  const b = cifarBatch(count, start);
  const out = new Float32Array(count * 3 * 16 * 16);
  for (let i = 0; i < count * 3; i++)
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++) out[(i * 16 + y) * 16 + x] = b.inputs[(i * 32 + y + 8) * 32 + x + 8];
  return { inputs: out, shape: [count, 3, 16, 16], labels: b.labels };
}

function setup(options: Record<string, unknown>, name?: string, width?: number) {
  const model = tinyModel(name, width);
  const params = new Map(model.namedParameters().filter(([, v]) => v.trainable));
  const optimizer = new SGD(params, { lr: 0.05, momentum: 0.9 });
  const sca = new SCA(options);
  sca.attach(model, { tf, lr: 0.05, seed: 0 });
  sca.setOptimizer(optimizer);
  const trainer = new Trainer({ model, optimizer, hooks: [sca] });
  const data = [crops(16, 0), crops(16, 16)];
  return { model, optimizer, sca, trainer, data };
}

/** Max |x| over the masked channels (last axis) of a tensor. */
function maskedMax(t: tf.Tensor, mask: Uint8Array): number {
  const v = t.dataSync();
  const C = mask.length;
  let m = 0;
  for (let i = 0; i < v.length; i++) if (!mask[i % C]) m = Math.max(m, Math.abs(v[i]));
  return m;
}

describe('SCA learner', () => {
  it('is registered as "sca" and validates its options', () => {
    expect(createLearner('sca', { sparsity: 0.5, regrow: 0 }).options).toMatchObject({
      sparsity: 0.5,
      regrow: 0,
      score: 'activity',
      maskMode: 'soft',
    });
    expect(() => new SCA({ sparsity: 0.9, regrow: 0.2 })).toThrow(/sparsity \+ regrow must be ≤ 1/);
    expect(() => new SCA({ score: 'loudness' })).toThrow(/option "score" expects one of activity/);
    expect(() => new SCA({ maskMode: 'medium' })).toThrow(/maskMode/);
    expect(() => new SCA({ sparsty: 0.5 })).toThrow(/unknown option "sparsty"/);
    const mlp = createModel('gradr-mnist-mlp');
    expect(() => new SCA().attach(mlp, { tf, lr: 0.1, seed: 0 })).toThrow(/no conv → BatchNorm → neuron/);
    mlp.dispose();
  });

  it('masks hit exactly the intended conv filters and BN entries, nothing else', () => {
    const model = tinyModel();
    const sca = new SCA();
    sca.attach(model, { tf, lr: 0.1, seed: 0 });
    const groups = sca.channelGroups();
    const before = new Map(model.stateTensors().map(([n, v]) => [n, Array.from(v.dataSync())]));
    const masks = groups.map((g) => Uint8Array.from({ length: g.channels }, (_, c) => (c % 3 === 1 ? 0 : 1)));
    applyChannelMasks(groups, masks);
    const touched = new Set(
      groups.flatMap((g) => [`${g.convPath}.weight`, `${g.bnPath}.weight`, `${g.bnPath}.bias`]),
    );
    for (const [name, v] of model.stateTensors()) {
      const now = v.dataSync();
      const old = before.get(name)!;
      if (!touched.has(name)) {
        expect(Array.from(now), name).toEqual(old);
        continue;
      }
      const C = v.shape[v.rank - 1];
      const mask =
        masks[groups.findIndex((g) => name.startsWith(`${g.convPath}.`) || name.startsWith(`${g.bnPath}.`))];
      expect(C).toBe(mask.length);
      for (let i = 0; i < now.length; i++)
        if (mask[i % C]) expect(now[i], `${name}[${i}]`).toBe(old[i]);
        else expect(Math.abs(now[i]), `${name}[${i}]`).toBe(0);
    }
    sca.dispose();
    model.dispose();
  });

  it('soft mode: one update per epoch keeps 1 − p of the channels; pruned filters may drift back', async () => {
    const { model, sca, trainer, data, optimizer } = setup({ sparsity: 0.7, regrow: 0.1, maskMode: 'soft' });
    const [m] = await trainer.fit({ train: () => data, epochs: 1 });
    const r = sca.report();
    const total = sca.channelGroups().reduce((a, g) => a + g.channels, 0);
    expect(r.channelsKept).toBeCloseTo(Math.round(0.3 * total) / total, 6);
    expect(m.channelsKept).toBe(r.channelsKept);
    expect(r.channelsPruned).toBe(total - Math.round(0.3 * total));
    expect(r.channelsRegrown).toBe(0); // nothing was masked before the first update
    expect(Object.keys(r.channels)).toEqual(sca.channelGroups().map((g) => g.convPath));
    const [g0] = sca.channelGroups();
    const mask = sca.channelMasks()[0];
    expect(maskedMax(g0.conv.weight, mask)).toBe(0);
    expect(maskedMax(g0.bn.weight, mask)).toBe(0);
    trainer.trainStep(data[0]); // momentum moves masked filters again: the reference's soft pruning
    expect(maskedMax(g0.conv.weight, mask)).toBeGreaterThan(0);
    sca.dispose();
    optimizer.dispose();
    model.dispose();
  });

  it('hard mode: masked channels stay zero after every step and their optimizer moments are cleared', async () => {
    const { model, sca, trainer, data, optimizer } = setup({ sparsity: 0.5, regrow: 0.1, maskMode: 'hard' });
    await trainer.fit({ train: () => data, epochs: 1 });
    const groups = sca.channelGroups();
    const masks = sca.channelMasks();
    for (const step of [0, 1]) trainer.trainStep(data[step]);
    groups.forEach((g, i) => {
      expect(maskedMax(g.conv.weight, masks[i]), g.convPath).toBe(0);
      expect(maskedMax(g.bn.weight, masks[i])).toBe(0);
      expect(maskedMax(g.bn.bias, masks[i])).toBe(0);
      const slot = optimizer.slots.get('momentum', `${g.convPath}.weight`, g.conv.weight);
      expect(maskedMax(slot, masks[i])).toBe(0);
    });
    expect(sca.report().maskMode).toBe('hard');
    sca.dispose();
    optimizer.dispose();
    model.dispose();
  });

  for (const maskMode of ['soft', 'hard'] as const)
    it(`${maskMode} mode leaks no tensors: the count after 6 steps equals that after 2`, async () => {
      const { model, sca, trainer, data, optimizer } = setup({ sparsity: 0.5, regrow: 0.1, maskMode });
      await trainer.fit({ train: () => data, epochs: 1 }); // one update: masks now act
      const counts: number[] = [];
      for (let i = 0; i < 6; i++) {
        trainer.trainStep(data[i % 2]);
        counts.push(tf.memory().numTensors);
      }
      sca.update();
      sca.report();
      expect(counts[5]).toBe(counts[1]);
      expect(tf.memory().numTensors).toBeLessThanOrEqual(counts[5]); // the update frees the score sums
      sca.dispose();
      optimizer.dispose();
      model.dispose();
    });

  it('warm-up and interval delay the structure updates', async () => {
    const { model, sca, trainer, data, optimizer } = setup({
      sparsity: 0.5,
      regrow: 0.25,
      warmup: 1,
      pruneInterval: 2,
    });
    expect([0, 1, 2, 3, 4].map((e) => sca.updatesAfter(e))).toEqual([false, false, true, false, true]);
    await trainer.fit({ train: () => data, epochs: 2 });
    expect(sca.report().channelsKept).toBe(1);
    const state = sca.getState();
    expect(state.json.scoreBatches).toBe(2); // epoch 2's batches, kept for the update after epoch 3
    await trainer.fit({ train: () => data, epochs: 3, startEpoch: 2 });
    const r = sca.report();
    expect(r.updates).toBe(1);
    expect(r.channelsKept).toBeLessThan(0.6);
    sca.dispose();
    optimizer.dispose();
    model.dispose();
  });

  it('state round trip restores masks and partial scores', async () => {
    const a = setup({ sparsity: 0.5, regrow: 0.1, pruneInterval: 2 });
    await a.trainer.fit({ train: () => a.data, epochs: 3 });
    const state = a.sca.getState();
    const b = new SCA({ sparsity: 0.5, regrow: 0.1, pruneInterval: 2 });
    b.attach(a.model, { tf, lr: 0.05, seed: 0 });
    b.setState(state);
    expect(b.channelMasks()).toEqual(a.sca.channelMasks());
    expect(b.getState().json.scoreBatches).toBe(2);
    b.dispose();
    a.sca.dispose();
    a.optimizer.dispose();
    a.model.dispose();
  });
});
