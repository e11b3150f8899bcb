import { createModel, SGD, type SpikingModel, Trainer } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactModel } from './compact.js';
import { SCA } from './learner.js';
import { cifarBatch } from './test-helpers.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Trains `model` with SCA for one epoch of real CIFAR-10 images (wasm: fast conv gradients). */
async function trainMasked(model: SpikingModel, options: Record<string, unknown>) {
  await tf.setBackend('wasm');
  const params = new Map(model.namedParameters().filter(([, v]) => v.trainable));
  const optimizer = new SGD(params, { lr: 0.05, momentum: 0.9 });
  const sca = new SCA(options);
  sca.attach(model, { tf, lr: 0.05, seed: 0 });
  const trainer = new Trainer({ model, optimizer, hooks: [sca] });
  await trainer.fit({ train: () => [cifarBatch(16, 100), cifarBatch(16, 116)], epochs: 1 });
  const masks = sca.channelMasks();
  sca.dispose();
  optimizer.dispose();
  return masks;
}

/** Logits and every spiking layer's spikes (by module path) of an evaluation-mode forward pass. */
function run(model: SpikingModel, x: tf.Tensor) {
  const spikes = new Map<string, tf.Tensor[]>();
  const stops = model
    .namedModules()
    .filter(([, m]) => m.kind === 'Neuron')
    .map(([path, m]) =>
      (
        m as unknown as { node: { observe: (f: (r: { spike: tf.Tensor }) => void) => () => void } }
      ).node.observe(({ spike }) => {
        spikes.set(path, [...(spikes.get(path) ?? []), tf.keep(spike.clone())]);
      }),
    );
  const logits = model.predict(x);
  for (const stop of stops) stop();
  return { logits, spikes: new Map([...spikes].map(([k, v]) => [k, tf.stack(v)])) };
}

describe('compaction', () => {
  it('conv-small: the compacted model has identical spikes and logits on real CIFAR-10 images', async () => {
    const model = createModel('conv-small', { width: 0.25, seed: 3 });
    const masks = await trainMasked(model, { sparsity: 0.6, regrow: 0.1 });
    await tf.setBackend('cpu'); // exact reference arithmetic for the comparison
    const { model: small, channels, parametersBefore, parametersAfter } = compactModel(model);
    expect(Object.values(channels).map((c) => c.after)).toEqual(
      masks.map((m) => m.reduce((a, b) => a + b, 0)),
    );
    expect(Object.values(channels).map((c) => c.before)).toEqual([8, 16, 32]);
    expect(parametersAfter).toBeLessThan(0.7 * parametersBefore);
    expect(small.config.extra?.channels).toEqual(
      Object.fromEntries(
        Object.entries(channels)
          .filter(([, c]) => c.after < c.before)
          .map(([k, c]) => [k, c.after]),
      ),
    );
    const b = cifarBatch(32, 2000);
    const x = tf.tensor(b.inputs, [...b.shape]);
    const dense = run(model, x);
    const compact = run(small, x);
    expect([...compact.spikes.keys()]).toEqual([...dense.spikes.keys()]);
    let spikeCount = 0;
    for (const [path, s] of dense.spikes) {
      const group = ['body.2', 'body.6', 'body.10'].indexOf(path);
      const kept = [...masks[group].keys()].filter((c) => masks[group][c]);
      const expected = tf.gather(s, tf.tensor1d(kept, 'int32'), 4);
      const dropped = tf.sum(s).dataSync()[0] - tf.sum(expected).dataSync()[0];
      expect(dropped, `${path}: spikes in removed channels`).toBe(0);
      expect(Array.from(compact.spikes.get(path)!.dataSync()), path).toEqual(Array.from(expected.dataSync()));
      spikeCount += tf.sum(expected).dataSync()[0];
    }
    expect(spikeCount).toBeGreaterThan(1000); // the comparison is not between silent networks
    // removed channels only added exact zeros, so on the cpu backend the logits are bit-identical
    expect(Array.from(compact.logits.dataSync())).toEqual(Array.from(dense.logits.dataSync()));
    model.dispose();
    small.dispose();
  });

  it('preresnet18 (pre-activation blocks): SCA prunes the inner convs; compaction keeps the outputs', async () => {
    const model = createModel('preresnet18', { width: 0.125, T: 2, seed: 5 });
    const masks = await trainMasked(model, { sparsity: 0.5, regrow: 0.1, maskMode: 'hard' });
    const kept = masks.reduce((a, m) => a + m.reduce((x, y) => x + y, 0), 0);
    const total = masks.reduce((a, m) => a + m.length, 0);
    expect(total).toBe(8 + 8 + 16 + 16 + 32 + 32 + 64 + 64);
    expect(kept).toBe(Math.round(0.5 * total));
    const block = model.namedModules().find(([p]) => p === 'body.1')![1] as unknown as {
      conv1: { weight: tf.Variable };
      bn2: { weight: tf.Variable };
    };
    const w = block.conv1.weight.dataSync();
    const gamma = block.bn2.weight.dataSync();
    for (let c = 0; c < 8; c++) {
      if (masks[0][c]) continue;
      expect(gamma[c]).toBe(0);
      for (let i = c; i < w.length; i += 8) expect(w[i]).toBe(0);
    }
    await tf.setBackend('cpu');
    const { model: small } = compactModel(model);
    const b = cifarBatch(8, 3000);
    const x = tf.tensor(b.inputs, [...b.shape]);
    expect(small.namedParameters().reduce((a, [, v]) => a + v.size, 0)).toBeLessThan(
      model.namedParameters().reduce((a, [, v]) => a + v.size, 0),
    );
    expect(Array.from(small.predict(x).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
    model.dispose();
    small.dispose();
  });
});
