import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelTensors, restoreModel } from '../checkpoint/format.js';
import { BatchNorm1d, BatchNorm2d } from '../layers/batchnorm.js';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import { Neuron } from '../layers/neuron.js';
import { Sequential } from '../layers/sequential.js';
import { Flatten, MaxPool2d } from '../layers/shape.js';
import { SumPool2d } from '../layers/sum-pool.js';
import { Threshold } from '../layers/threshold.js';
import { Module } from '../module.js';
import { loadCheckpoint, saveCheckpoint } from '../node/checkpoint-fs.js';
import { Rng } from '../rng.js';
import { bodyInputShape, buildLayers, describeLayers } from './layer-spec.js';
import { registerModel } from './registry.js';
import { type ModelConfig, SpikingModel } from './spiking-model.js';
import { buildModel, createModel, MODEL_NAMES, UnknownModelError } from './zoo.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tmp = () => join(mkdtempSync(join(tmpdir(), 'custom-')), 'ckpt');

function myConvNet(seed: number): SpikingModel {
  const rng = new Rng(seed);
  const lif = {
    type: 'LIF' as const,
    tau: 3,
    vThreshold: 0.8,
    detachReset: true,
    surrogate: 'atan' as const,
  };
  const body = new Sequential([
    new Conv2d(2, 6, rng, { kernelSize: 3, padding: 1, bias: false }),
    new BatchNorm2d(6),
    new Neuron(lif),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(6 * 4 * 4, 12, rng),
    new BatchNorm1d(12),
    new Neuron({ type: 'IF', vReset: null }),
    new Linear(12, 3, rng, { bias: false }),
  ]);
  const cfg: ModelConfig = {
    name: 'my-conv',
    T: 3,
    inputShape: [2, 8, 8],
    classes: 3,
    seed,
    loss: 'cross-entropy',
  };
  return new SpikingModel(cfg, body);
}

/** Sets every BN to non-trivial statistics so that a wrong restore shows in the outputs. */
function perturbBatchNorms(model: SpikingModel) {
  for (const [name, v] of model.stateTensors()) {
    if (/running(Mean|Var)|\d\.(weight|bias)$/.test(name) && v.rank === 1)
      v.assign(tf.add(tf.mul(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', name.length), 1), 0));
  }
}

describe('models outside the zoo', () => {
  it('a Sequential of standard layers saves its architecture and restores bit-identically', async () => {
    const model = myConvNet(5);
    perturbBatchNorms(model);
    expect(model.config.layers?.map((l) => l.type)).toEqual([
      'Conv2d',
      'BatchNorm2d',
      'Neuron',
      'MaxPool2d',
      'Flatten',
      'Linear',
      'BatchNorm1d',
      'Neuron',
      'Linear',
    ]);
    const dir = tmp();
    await saveCheckpoint(dir, model.config, modelTensors(model), {});
    const again = restoreModel(dir, await loadCheckpoint(dir));
    const x = tf.randomUniform([4, 2, 8, 8], 0, 2, 'float32', 3);
    expect(Array.from(again.predict(x).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
    // neuron settings survive: τ, threshold, soft reset, surrogate
    expect(again.config.layers?.[2]).toEqual(model.config.layers?.[2]);
    expect(again.config.layers?.[7]).toMatchObject({ neuron: { type: 'IF', vReset: null } });
  });

  it('the zoo keeps restoring by name, and every zoo body has an equivalent data form', () => {
    for (const name of MODEL_NAMES) {
      const model = createModel(name, {
        width: 0.125,
        inputShape: name === 'gradr-mnist-mlp' ? [1, 28, 28] : [3, 32, 32],
      });
      expect(model.config.layers).toBeUndefined();
      const rebuilt = new Sequential(
        buildLayers(describeLayers(model.body), bodyInputShape(model.config.inputShape), new Rng(0)),
      );
      const shapes = (m: Module) => m.namedParameters().map(([n, v]) => `${n}:${v.shape}`);
      expect(shapes(rebuilt)).toEqual(shapes(model.body));
      rebuilt.dispose();
      model.dispose();
    }
  });

  it('a width override (what channel compaction writes) resizes the layers after the conv', () => {
    const model = myConvNet(1);
    const small = buildModel({ ...model.config, extra: { channels: { 'body.0': 4 } } });
    const shapes = Object.fromEntries(small.namedParameters().map(([n, v]) => [n, v.shape]));
    expect(shapes['body.0.weight']).toEqual([3, 3, 2, 4]);
    expect(shapes['body.1.weight']).toEqual([4]);
    expect(shapes['body.5.weight']).toEqual([4 * 4 * 4, 12]);
  });

  it('an image model also takes event frames of any length', () => {
    const model = myConvNet(2);
    const frames = tf.randomUniform([7, 2, 2, 8, 8], 0, 2, 'float32', 9);
    expect(model.predict(frames).shape).toEqual([2, 3]);
    expect(() => model.predict(tf.zeros([7, 2, 3, 8, 8]))).toThrow(/expected input/);
  });

  it('new layers: sum pooling is exact, Threshold is a strict step', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [1, 4, 4, 1]);
    expect(Array.from(new SumPool2d(2).forward(x).dataSync())).toEqual([14, 22, 46, 54]);
    expect(Array.from(new Threshold(0.5).forward(tf.tensor1d([0, 0.5, 0.51, 3])).dataSync())).toEqual([
      0, 0, 1, 1,
    ]);
  });

  it('a model with a layer that has no data form restores once registered', async () => {
    class Doubler extends Module {
      readonly kind = 'Doubler';
      forward(x: tf.Tensor) {
        return tf.mul(x, 2);
      }
      outputShape(s: readonly number[]) {
        return [...s];
      }
    }
    const build = (_cfg: ModelConfig, neuron: () => Neuron, rng: Rng) => [
      new Flatten(),
      new Linear(4, 3, rng),
      new Doubler(),
      neuron(),
    ];
    const cfg: ModelConfig = {
      name: 'doubler-net',
      T: 2,
      inputShape: [4],
      classes: 3,
      seed: 7,
      loss: 'mse-rate',
    };
    const model = new SpikingModel(
      cfg,
      new Sequential(build(cfg, () => new Neuron({ type: 'IF' }), new Rng(7))),
    );
    expect(model.config.layers).toBeUndefined();
    const dir = tmp();
    await saveCheckpoint(dir, model.config, modelTensors(model), {});
    const data = await loadCheckpoint(dir);
    expect(() => restoreModel(dir, data)).toThrow(/unknown model "doubler-net".*registerModel/);
    registerModel('doubler-net', {
      description: 'Linear then ×2',
      defaults: { T: 2, inputShape: [4], classes: 3, loss: 'mse-rate' },
      build,
    });
    const again = restoreModel(dir, data);
    const x = tf.randomUniform([3, 4], 0, 1, 'float32', 1);
    expect(Array.from(again.predict(x).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
    expect(createModel('doubler-net', { seed: 7 }).config.name).toBe('doubler-net');
    expect(() => registerModel('conv-small', { description: '', defaults: cfg, build })).toThrow(/zoo/);
    expect(() => buildModel({ ...cfg, name: 'nope' })).toThrow(UnknownModelError);
  });

  it('bad layer specs are refused naming the layer', () => {
    const cfg: ModelConfig = {
      name: 'bad',
      T: 1,
      inputShape: [2, 8, 8],
      classes: 2,
      seed: 0,
      loss: 'cross-entropy',
      layers: [{ type: 'Linear', outFeatures: 2, bias: true }],
    };
    expect(() => buildModel(cfg)).toThrow(/layer body\.0 \(Linear\): needs a flat input/);
    expect(() => buildModel({ ...cfg, layers: [{ type: 'Warp' } as never] })).toThrow(/unknown layer type/);
  });
});
