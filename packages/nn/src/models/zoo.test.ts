import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d } from '../layers/conv2d.js';
import { Linear } from '../layers/linear.js';
import type { SpikingModel } from './spiking-model.js';
import { createModel, MODEL_NAMES, UnknownModelError } from './zoo.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Dense multiply-accumulates per sample per time step, from the layer shapes. */
function macsPerStep(model: SpikingModel): number {
  let shape =
    model.config.inputShape.length === 4 ? model.config.inputShape.slice(1) : [...model.config.inputShape];
  shape = shape.length === 3 ? [shape[1], shape[2], shape[0]] : shape; // CHW → HWC
  let macs = 0;
  for (const [, layer] of model.body.namedChildren()) {
    const out = layer.outputShape(shape);
    if (layer instanceof Conv2d) macs += out[0] * out[1] * out[2] * layer.inChannels * layer.kernelSize ** 2;
    if (layer instanceof Linear) macs += layer.inFeatures * layer.outFeatures;
    shape = out;
  }
  return macs;
}

describe('model zoo', () => {
  it('builds every model with the right output shape', () => {
    for (const name of MODEL_NAMES) {
      const model = createModel(name, {
        T: 1,
        width: ['gradr-cifar-net', 'sca-vgg16', 'preresnet18'].includes(name) ? 0.125 : 1,
      });
      const x = tf.zeros([2, ...model.config.inputShape]);
      expect(model.forward(x, { training: false }).shape, name).toEqual([2, 10]);
      model.dispose();
    }
  });

  it('sca-vgg-small matches the PyTorch peer layer for layer (MACs per step)', () => {
    const m = createModel('sca-vgg-small');
    // shared/peer/RESULTS.md: conv1 1,769,472 + conv2 75,497,472 + conv3 75,497,472 + conv4 37,748,736 + fc 40,960
    expect(macsPerStep(m)).toBe(1_769_472 + 75_497_472 + 75_497_472 + 37_748_736 + 40_960);
    expect(m.config.T).toBe(4);
  });

  it('conv-small stays under 50 M MACs per sample per step; gradr-mnist-mlp is 784·800 + 800·10', () => {
    expect(macsPerStep(createModel('conv-small'))).toBeLessThan(50e6);
    expect(macsPerStep(createModel('gradr-mnist-mlp'))).toBe(784 * 800 + 800 * 10);
  });

  it('sca-vgg16 has 13 conv layers and 3 linear layers; gradr-cifar-net has 6 conv and 2 linear', () => {
    const count = (m: SpikingModel, kind: string) =>
      m.namedModules().filter(([, x]) => x.kind === kind).length;
    const vgg = createModel('sca-vgg16', { width: 0.125 });
    expect([count(vgg, 'Conv2d'), count(vgg, 'Linear'), count(vgg, 'BatchNorm1d')]).toEqual([13, 3, 2]);
    const g = createModel('gradr-cifar-net', { width: 0.125 });
    expect([count(g, 'Conv2d'), count(g, 'Linear'), count(g, 'Dropout')]).toEqual([6, 2, 1]);
    expect(g.prunableWeights().length).toBe(8);
  });

  it('rejects unknown names and mismatched inputs with clear errors', () => {
    expect(() => createModel('resnet9000')).toThrow(UnknownModelError);
    const m = createModel('gradr-mnist-mlp');
    expect(() => m.forward(tf.zeros([2, 3, 32, 32]))).toThrow(
      /expected input \[N, 1, 28, 28\], got \[2, 3, 32, 32\]/,
    );
  });

  it('accepts time-major event frames [T, N, C, H, W]', () => {
    const m = createModel('conv-small', { inputShape: [3, 2, 16, 16] });
    expect(m.forward(tf.zeros([3, 2, 2, 16, 16])).shape).toEqual([2, 10]);
    // the MLP takes C·H·W features per step (N-MNIST: 2·34·34), not T·C·H·W
    const mlp = createModel('gradr-mnist-mlp', { inputShape: [4, 2, 34, 34] });
    expect((mlp.body.layers[1] as Linear).inFeatures).toBe(2 * 34 * 34);
    expect(mlp.forward(tf.zeros([4, 3, 2, 34, 34])).shape).toEqual([3, 10]);
  });
});
