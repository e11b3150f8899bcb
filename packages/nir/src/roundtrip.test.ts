import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { batches, loadDataset } from '@synaptogen/datasets/node';
import { createModel, initBackend, type Module, type SpikingModel } from '@synaptogen/nn';
import { BatchNorm } from '@synaptogen/nn/layers';
import { buildModel } from '@synaptogen/nn/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportNirBytes } from './export.js';
import { importNirBytes } from './import.js';
import { DATA, referenceOrSkip } from './test/reference.js';
import { mismatches, perturbBatchNorm, prune, readReferenceDump } from './test/roundtrip-helpers.js';

/**
 * Every zoo model, dense, pruned (exact zeros) and compacted, goes synaptogen → .nir → the reference
 * `nir.read` (with its type check) → compared with weights computed here from the model's own tensors
 * (tfjs transposes and BatchNorm folding, independent of the exporter's code) → re-imported by synaptogen,
 * whose outputs on real MNIST / CIFAR-10 test images must equal the original's bit for bit.
 */
const hasPython = referenceOrSkip();
const tmp = mkdtempSync(path.join(tmpdir(), 'nir-roundtrip-'));
const readReference = (file: string) => readReferenceDump(file, tmp);

/** The NIR weight of a synaptic layer computed with tfjs from the model's tensors (BatchNorm folded if one follows). */
function expectedWeights(
  layers: Module[],
  i: number,
  flattenedFrom: number[] | null,
): { w: Float32Array; b: Float32Array | null; folded: boolean } {
  const m = layers[i] as Module & { weight: tf.Variable; bias: tf.Variable | null };
  const bn = layers[i + 1];
  const [w, b] = tf.tidy(() => {
    let w: tf.Tensor;
    if (m.kind === 'Conv2d') w = tf.transpose(m.weight, [3, 2, 0, 1]);
    else if (flattenedFrom) {
      const [c, h, wd] = flattenedFrom;
      w = tf.reshape(tf.transpose(tf.reshape(m.weight, [h, wd, c, -1]), [3, 2, 0, 1]), [-1, c * h * wd]);
    } else w = tf.transpose(m.weight);
    let b: tf.Tensor | null = m.bias ? m.bias.clone() : null;
    if (bn instanceof BatchNorm) {
      const s = tf.div(bn.weight, tf.sqrt(tf.add(bn.runningVar, bn.eps)));
      w = tf.mul(w, tf.reshape(s, [-1, ...new Array(w.rank - 1).fill(1)]));
      b = tf.add(tf.mul(tf.sub(b ?? tf.zerosLike(s), bn.runningMean), s), bn.bias);
    }
    return b ? [w, b] : [w];
  });
  const out = {
    w: Float32Array.from(w.dataSync()),
    b: b ? Float32Array.from(b.dataSync()) : null,
    folded: bn instanceof BatchNorm,
  };
  tf.dispose([w, b].filter(Boolean) as tf.Tensor[]);
  return out;
}

interface Case {
  label: string;
  model: () => SpikingModel;
  dataset: 'mnist' | 'cifar10';
}

const conv = (name: string, extra?: Record<string, unknown>) => () => {
  const m = createModel(name, { width: 0.0625, inputShape: [3, 32, 32], seed: 3 });
  return extra ? buildModel({ ...m.config, extra: { ...m.config.extra, ...extra } }) : m;
};
const CASES: Case[] = [
  { label: 'gradr-mnist-mlp', model: () => createModel('gradr-mnist-mlp', { seed: 1 }), dataset: 'mnist' },
  { label: 'gradr-cifar-net', model: conv('gradr-cifar-net'), dataset: 'cifar10' },
  { label: 'sca-vgg16', model: conv('sca-vgg16'), dataset: 'cifar10' },
  { label: 'sca-vgg-small', model: conv('sca-vgg-small'), dataset: 'cifar10' },
  { label: 'conv-small', model: conv('conv-small'), dataset: 'cifar10' },
  // SCA-compacted: per-conv widths in extra.channels, as `compactModel` writes them
  {
    label: 'conv-small compacted',
    model: conv('conv-small', { channels: { 'body.0': 3, 'body.4': 5 } }),
    dataset: 'cifar10',
  },
];

const inputs = new Map<string, tf.Tensor>();

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  for (const name of ['mnist', 'cifar10'] as const) {
    const ds = await loadDataset(name, { dataDir: DATA, split: 'test', limit: 4 });
    for await (const b of batches(ds, { batchSize: 4, shuffle: false, normalize: ds.channels === 3 }))
      inputs.set(name, tf.tensor(b.inputs, [...b.shape]));
  }
});

describe.skipIf(!hasPython)('zoo models round-trip through NIR and the reference nir.read', () => {
  for (const c of CASES) {
    for (const pruned of [false, true]) {
      it(`${c.label}${pruned ? ' pruned' : ''}`, () => {
        const model = c.model();
        perturbBatchNorm(model, 11);
        if (pruned) prune(model, 5);
        const file = path.join(tmp, `${c.label.replace(/ /g, '-')}${pruned ? '-pruned' : ''}.nir`);
        writeFileSync(file, exportNirBytes(model));
        const { dump, array } = readReference(file);

        // the chain input → ... → output, with synaptogen's node for each layer
        const layers = model.body.layers;
        let flattenedFrom: number[] | null = null;
        let shape = [...model.config.inputShape];
        for (const [i, m] of layers.entries()) {
          const node = dump.nodes[`body.${i}`];
          const out = m.outputShape(shape.length === 3 ? [shape[1], shape[2], shape[0]] : shape);
          if (m.kind === 'Linear' || m.kind === 'Conv2d') {
            const e = expectedWeights(layers, i, flattenedFrom);
            const type = m.kind === 'Conv2d' ? 'Conv2d' : e.b ? 'Affine' : 'Linear';
            expect(node.type, `body.${i}`).toBe(type);
            const got = array(`body.${i}`, 'weight');
            expect(got.length).toBe(e.w.length);
            // unfolded weights are the model's exactly; folded ones agree to float32 rounding
            expect(mismatches(got, e.w, e.folded ? 1e-6 : 0), `body.${i} weight`).toBe(0);
            if (e.b) expect(mismatches(array(`body.${i}`, 'bias'), e.b, 1e-6), `body.${i} bias`).toBe(0);
            // sparsity in the metadata: the fraction of zero weights of the layer itself
            const raw = Float32Array.from((m as unknown as { weight: tf.Variable }).weight.dataSync());
            const zeros = raw.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / raw.length;
            expect(node.sparsity).toBeCloseTo(zeros, 12);
            if (pruned) expect(zeros).toBeGreaterThan(0.5);
            flattenedFrom = null;
          } else if (m.kind === 'Neuron') {
            expect(['IF', 'LIF']).toContain(node.type);
            expect(node.params.v_threshold).toEqual(shape);
          } else if (m.kind === 'MaxPool2d') {
            expect(node.type).toBe('SumPool2d');
            expect(dump.nodes[`body.${i}.threshold`].type).toBe('Threshold');
          } else if (m.kind === 'Flatten') {
            expect(node.type).toBe('Flatten');
            flattenedFrom = shape.length === 3 ? shape : null;
          } else if (m.kind === 'GroupAverage') {
            expect(node.type).toBe('Linear');
          }
          shape = out.length === 3 ? [out[2], out[0], out[1]] : out;
        }
        expect(dump.output).toEqual([10]);

        // re-import: bit-identical outputs on real images
        const { model: again } = importNirBytes(readFileSync(file), { file });
        const x = inputs.get(c.dataset)!;
        expect(Array.from(again.predict(x).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
        expect(again.config.layers?.map((l) => l.type)).toEqual(layers.map((l) => l.kind));
        again.dispose();
        model.dispose();
      });
    }
  }
});
