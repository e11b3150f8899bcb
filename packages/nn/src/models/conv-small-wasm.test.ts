import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { conv2dRouted } from '../layers/conv-route.js';
import { Adam } from '../optim/adam.js';
import { relativeError, seededArray } from '../test-utils.js';
import { Trainer } from '../train/trainer.js';
import { createModel } from './zoo.js';

/** Gradients of every parameter of conv-small for one batch, on the current backend. */
function gradients(seed: number) {
  const model = createModel('conv-small', { seed, T: 2, inputShape: [3, 16, 16] });
  const x = tf.tensor4d(seededArray(4 * 3 * 16 * 16, 7, -2, 2), [4, 3, 16, 16]);
  const y = tf.tensor1d([1, 3, 5, 7], 'int32');
  const params = model.namedParameters();
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), model.forward(x, { training: true })) as tf.Scalar,
    params.map(([, v]) => v),
  );
  const out = new Map(params.map(([n, v]) => [n, Array.from(grads[v.name].dataSync())]));
  const loss = value.dataSync()[0];
  model.dispose();
  tf.dispose([x, y, value, ...Object.values(grads)]);
  return { loss, grads: out };
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('conv-small on the wasm backend', () => {
  it('computes the same loss and gradients as the cpu backend', async () => {
    await initBackend({ backend: 'cpu' });
    const ref = gradients(3);
    await initBackend({ backend: 'wasm' });
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined(); // the route under test is ours
    const got = gradients(3);
    expect(got.loss).toBeCloseTo(ref.loss, 4);
    expect([...got.grads.keys()]).toEqual([...ref.grads.keys()]);
    for (const [name, g] of ref.grads) {
      const err = relativeError(got.grads.get(name)!, g);
      expect(err, `gradient of ${name}`).toBeLessThan(2e-3);
    }
    // the conv weights do receive gradient (not all zero)
    expect(ref.grads.get('body.0.weight')!.some((v) => v !== 0)).toBe(true);
  });

  it('trains: the loss falls over a few steps on a fixed batch', async () => {
    await initBackend({ backend: 'wasm' });
    const model = createModel('conv-small', { seed: 1, T: 2 });
    const trainer = new Trainer({
      model,
      optimizer: new Adam(new Map(model.namedParameters()), { lr: 3e-3 }),
    });
    const batch = {
      inputs: seededArray(8 * 3 * 32 * 32, 11, -2, 2),
      shape: [8, 3, 32, 32],
      labels: [0, 1, 2, 3, 4, 5, 6, 7],
    };
    const losses = Array.from({ length: 8 }, () => trainer.trainStep(batch).loss);
    expect(losses[7]).toBeLessThan(losses[0] * 0.7);
    model.dispose();
    trainer.optimizer.dispose();
  });
});

describe('the conv gradient route on the wasm backend', () => {
  /** Forward and both gradients of the routed conv (wasm) or tfjs' own conv (cpu). */
  function convGrads(stride: number, padding: number, k: number, h: number) {
    const x = tf.tensor4d(seededArray(2 * h * h * 3, 11, -1, 1), [2, h, h, 3]);
    const w = tf.tensor4d(seededArray(k * k * 3 * 5, 12, -1, 1), [k, k, 3, 5]);
    const conv = (a: tf.Tensor, b: tf.Tensor) =>
      tf.getBackend() === 'cpu'
        ? tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding)
        : conv2dRouted(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding);
    const y = conv(x, w);
    const dy = tf.tensor4d(seededArray(y.size, 13, -1, 1), y.shape as [number, number, number, number]);
    const [gx, gw] = tf.grads(conv)([x, w], dy);
    const out = [y, gx, gw].map((t) => Array.from(t.dataSync()));
    tf.dispose([x, w, y, dy, gx, gw]);
    return out;
  }

  for (const [stride, padding, k, h] of [
    [1, 1, 3, 8],
    [2, 1, 3, 9],
    [1, 2, 5, 9],
    [2, 0, 3, 8],
  ] as const) {
    it(`matches the cpu backend: stride ${stride}, padding ${padding}, ${k}×${k}`, async () => {
      await initBackend({ backend: 'cpu' });
      const ref = convGrads(stride, padding, k, h);
      await initBackend({ backend: 'wasm' });
      const got = convGrads(stride, padding, k, h);
      for (let i = 0; i < 3; i++) expect(relativeError(got[i], ref[i])).toBeLessThan(1e-5);
    });
  }
});
