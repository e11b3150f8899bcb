import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { batches, loadDataset } from '@synaptogen/datasets/node';
import { createModel, initBackend, type SpikingModel } from '@synaptogen/nn';
import { type BatchNorm, type Conv2d, PreActBlock } from '@synaptogen/nn/layers';
import { buildModel } from '@synaptogen/nn/models';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportNirBytes } from './export.js';
import { readNir, writeNir } from './graph.js';
import { importNir, importNirBytes } from './import.js';
import { DATA, referenceOrSkip } from './test/reference.js';
import { mismatches, perturbBatchNorm, prune, readReferenceDump } from './test/roundtrip-helpers.js';

/**
 * Pre-ResNet-18 (pre-activation residual blocks), dense, pruned and SCA-compacted, goes synaptogen →
 * .nir → the reference `nir.read` (with its type check) → compared with weights computed here with tfjs
 * from the model's own tensors → re-imported, with outputs on real CIFAR-10 test images equal bit for bit.
 */
const hasPython = referenceOrSkip();
const tmp = mkdtempSync(path.join(tmpdir(), 'nir-residual-'));
let images: tf.Tensor;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  const ds = await loadDataset('cifar10', { dataDir: DATA, split: 'test', limit: 4 });
  for await (const b of batches(ds, { batchSize: 4, shuffle: false, normalize: true }))
    images = tf.tensor(b.inputs, [...b.shape]);
});

const preresnet = (extra?: Record<string, unknown>) => {
  const m = createModel('preresnet18', { width: 0.125, inputShape: [3, 32, 32], seed: 7 });
  if (!extra) return m;
  const again = buildModel({ ...m.config, extra: { ...m.config.extra, ...extra } });
  m.dispose();
  return again;
};

/** s = γ/√(var + ε) and t = β − mean·s of a BatchNorm, with tfjs. */
function affine(bn: BatchNorm): { s: Float32Array; t: Float32Array } {
  return tf.tidy(() => {
    const s = tf.div(bn.weight, tf.sqrt(tf.add(bn.runningVar, bn.eps)));
    const t = tf.sub(bn.bias, tf.mul(bn.runningMean, s));
    return { s: Float32Array.from(s.dataSync()), t: Float32Array.from(t.dataSync()) };
  });
}

/** A conv's weight in NIR's [out, in, kh, kw], times s per output channel when given. */
function nirConv(conv: Conv2d, s?: Float32Array): Float32Array {
  return tf.tidy(() => {
    let w: tf.Tensor = tf.transpose(conv.weight, [3, 2, 0, 1]);
    if (s) w = tf.mul(w, tf.reshape(tf.tensor1d(s), [-1, 1, 1, 1]));
    return Float32Array.from(w.dataSync());
  });
}

const zerosOf = (w: Float32Array) => w.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / w.length;

const CASES: { label: string; model: () => SpikingModel; pruned: boolean }[] = [
  { label: 'dense', model: () => preresnet(), pruned: false },
  { label: 'pruned', model: () => preresnet(), pruned: true },
  // SCA-compacted: the inner width of blocks 1, 3 and 8 as `compactModel` writes it
  {
    label: 'compacted',
    model: () => preresnet({ channels: { 'body.1.conv1': 3, 'body.3.conv1': 11, 'body.8.conv1': 40 } }),
    pruned: false,
  },
];

describe.skipIf(!hasPython)('preresnet18 round-trips through NIR and the reference nir.read', () => {
  for (const c of CASES) {
    it(c.label, () => {
      const model = c.model();
      perturbBatchNorm(model, 13);
      if (c.pruned) prune(model, 9);
      const file = path.join(tmp, `preresnet18-${c.label}.nir`);
      writeFileSync(file, exportNirBytes(model));
      const { dump, array } = readReferenceDump(file, tmp);
      const edges = new Set(dump.edges.map(([a, b]) => `${a}->${b}`));
      const expectConv = (name: string, w: Float32Array, rel: number) => {
        expect(dump.nodes[name]?.type, name).toBe('Conv2d');
        expect(mismatches(array(name, 'weight'), w, rel), `${name} weight`).toBe(0);
      };
      const expectBatchNorm = (name: string, bn: BatchNorm, shape: number[]) => {
        const { s, t } = affine(bn);
        const n = s.length;
        const diagonal = new Float32Array(n * n);
        for (let k = 0; k < n; k++) diagonal[k * n + k] = s[k];
        expectConv(name, diagonal, 1e-6);
        expect(dump.nodes[name].params.weight).toEqual([n, n, 1, 1]);
        expect(mismatches(array(name, 'bias'), t, 1e-6), `${name} bias`).toBe(0);
        expect(dump.nodes[name].sparsity).toBeNull();
        expect(shape[0]).toBe(n);
      };

      const layers = model.body.layers;
      let shape = [3, 32, 32];
      let prev = 'input';
      let blocks = 0;
      let compacted = 0;
      for (const [i, m] of layers.entries()) {
        const name = `body.${i}`;
        const out = m.outputShape([shape[1], shape[2], shape[0]]);
        const outShape = out.length === 3 ? [out[2], out[0], out[1]] : out;
        if (m instanceof PreActBlock) {
          blocks++;
          expectBatchNorm(`${name}.bn1`, m.bn1, shape);
          expect(dump.nodes[`${name}.sn1`].type).toBe('IF');
          expect(dump.nodes[`${name}.sn1`].params.v_threshold).toEqual(shape);
          // bn2 is folded into conv1 (it follows it directly)
          const { s, t } = affine(m.bn2);
          expectConv(`${name}.conv1`, nirConv(m.conv1, s), 1e-6);
          expect(mismatches(array(`${name}.conv1`, 'bias'), t, 1e-6)).toBe(0);
          expect(dump.nodes[`${name}.sn2`].type).toBe('IF');
          expectConv(`${name}.conv2`, nirConv(m.conv2), 0);
          for (const conv of ['conv1', 'conv2', 'shortcut'] as const) {
            const cm = m[conv];
            if (!cm) continue;
            const zeros = zerosOf(Float32Array.from(cm.weight.dataSync()));
            expect(dump.nodes[`${name}.${conv}`].sparsity).toBeCloseTo(zeros, 12);
            if (c.pruned) expect(zeros).toBeGreaterThan(0.5);
          }
          if (m.midChannels !== m.outChannels) compacted++;
          // the sum: conv2 and the shortcut (the block input, or a 1×1 conv of sn1) into one node
          expect(dump.nodes[name].type).toBe('Scale');
          expect(Array.from(array(name, 'scale')).every((v) => v === 1)).toBe(true);
          expect(edges.has(`${prev}->${name}.bn1`)).toBe(true);
          expect(edges.has(`${name}.conv2->${name}`)).toBe(true);
          if (m.shortcut) {
            expectConv(`${name}.shortcut`, nirConv(m.shortcut), 0);
            expect(edges.has(`${name}.sn1->${name}.shortcut`)).toBe(true);
            expect(edges.has(`${name}.shortcut->${name}`)).toBe(true);
          } else expect(edges.has(`${prev}->${name}`)).toBe(true);
          expect(dump.edges.filter(([, b]) => b === name)).toHaveLength(2);
        } else if (m.kind === 'Conv2d') {
          expectConv(name, nirConv(m as Conv2d), 0);
        } else if (m.kind === 'BatchNorm2d') {
          expectBatchNorm(name, m as BatchNorm, shape); // after a sum: nothing to fold into
        } else if (m.kind === 'Neuron') {
          expect(dump.nodes[name].type).toBe('IF');
        } else if (m.kind === 'GlobalAvgPool') {
          expect(dump.nodes[name].type).toBe('AvgPool2d');
          // the global mean: one window over the whole map (i8 parameters, read with our reader)
          const k = readNir(readFileSync(file)).nodes.get(name)!.params.kernel_size;
          expect(typeof k === 'object' && Array.from(k.data)).toEqual(shape.slice(1));
          expect(dump.nodes[`${name}.flatten`].type).toBe('Flatten');
        } else if (m.kind === 'Linear') {
          expect(dump.nodes[name].type).toBe('Affine');
        }
        shape = outShape;
        prev = dump.nodes[`${name}.flatten`] ? `${name}.flatten` : name;
      }
      expect(blocks).toBe(8);
      expect(compacted).toBe(c.label === 'compacted' ? 3 : 0);
      expect(edges.has(`${prev}->output`)).toBe(true);
      expect(dump.output).toEqual([10]);

      // re-import: the same layers, bit-identical outputs on real images
      const { model: again } = importNirBytes(readFileSync(file), { file });
      expect(again.config.layers?.map((l) => l.type)).toEqual(layers.map((l) => l.kind));
      // every tensor comes back as it was (BatchNorm statistics unfolded from the metadata)
      const theirs = new Map(again.stateTensors());
      for (const [key, v] of model.stateTensors())
        expect(Array.from(theirs.get(key)?.dataSync() ?? []), key).toEqual(Array.from(v.dataSync()));
      const got = again.predict(images);
      const want = model.predict(images);
      expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
      // the images reach the output: their rows differ (not just the Linear's bias)
      const rows = (want.arraySync() as number[][]).map((r) => r.join());
      expect(new Set(rows).size).toBe(4);
      tf.dispose([got, want]);
      again.dispose();
      model.dispose();
    });
  }
});

describe('residual graphs on import', () => {
  it('a graph without synaptogen metadata imports its BatchNorms as per-channel affines, the same function', () => {
    const model = preresnet();
    perturbBatchNorm(model, 3);
    const plain = readNir(exportNirBytes(model, { roundTrip: false }));
    const { model: again, mapping } = importNir(plain);
    expect(mapping.filter((l) => l.includes('PreActBlock('))).toHaveLength(8);
    const got = again.predict(images);
    const want = model.predict(images);
    // the folded BatchNorm2 and the affine BatchNorm1 may round differently from the original's:
    // the same function, not promised bit for bit (on these 4 images it is equal)
    const a = got.dataSync();
    const b = want.dataSync();
    const worst = Math.max(...Array.from(a, (v, k) => Math.abs(v - b[k])));
    expect(worst).toBeLessThan(1e-3);
    tf.dispose([got, want]);
    again.dispose();
    model.dispose();
  });

  it('other branches and merges are refused naming the node', () => {
    const model = preresnet();
    const g = readNir(exportNirBytes(model));
    model.dispose();
    // a shortcut into the block's second conv instead of its sum
    const broken = { ...g, edges: g.edges.filter(([a, b]) => !(a === 'body.0' && b === 'body.1')) };
    broken.edges.push(['body.0', 'body.1.conv2']);
    expect(() => importNir(broken, { file: 'x.nir' })).toThrow(
      /^x\.nir, node "body\.0": branches to body\.1\.bn1, body\.1\.conv2; only chains and pre-activation residual blocks/,
    );
    // Delay stays refused, with its one line
    const delayed = readNir(writeNir(g));
    delayed.nodes.get('body.1.sn2')!.type = 'Delay';
    expect(() => importNir(delayed, { file: 'd.nir' })).toThrow(
      /^d\.nir, node "body\.1\.sn2": \(Delay\): synaptic delays have no synaptogen layer$/,
    );
  });
});
