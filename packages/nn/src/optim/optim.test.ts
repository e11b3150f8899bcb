import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from './adam.js';
import { stepLr } from './schedule.js';
import { SGD } from './sgd.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Adam (torch.optim.Adam rule)', () => {
  it('two steps match a hand computation', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const adam = new Adam(new Map([['p', p]]), { lr: 0.1 });
    const gs = [
      [0.5, -1],
      [0.25, 2],
    ];
    let m = [0, 0];
    let v = [0, 0];
    let theta = [1, -2];
    gs.forEach((g, k) => {
      adam.apply(new Map([['p', tf.tensor1d(g)]]));
      const t = k + 1;
      m = m.map((mi, i) => 0.9 * mi + 0.1 * g[i]);
      v = v.map((vi, i) => 0.999 * vi + 0.001 * g[i] ** 2);
      theta = theta.map(
        (th, i) =>
          th - (0.1 / (1 - 0.9 ** t)) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(1 - 0.999 ** t) + 1e-8)),
      );
    });
    const got = p.dataSync();
    expect(got[0]).toBeCloseTo(theta[0], 5);
    expect(got[1]).toBeCloseTo(theta[1], 5);
  });

  it('state round-trips (resume gives the same next step)', () => {
    const mk = () => tf.variable(tf.tensor1d([0.3, 0.7]));
    const a = mk();
    const optA = new Adam(new Map([['a', a]]));
    optA.apply(new Map([['a', tf.tensor1d([1, -1])]]));
    const b = tf.variable(a.clone());
    const optB = new Adam(new Map([['a', b]]));
    optB.setState(optA.getState());
    optA.apply(new Map([['a', tf.tensor1d([0.2, 0.4])]]));
    optB.apply(new Map([['a', tf.tensor1d([0.2, 0.4])]]));
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
  });
});

describe('SGD with momentum (torch.optim.SGD rule)', () => {
  it('initialises the buffer with the first gradient, then b = μb + g', () => {
    const p = tf.variable(tf.tensor1d([1]));
    const sgd = new SGD(new Map([['p', p]]), { lr: 0.1, momentum: 0.9 });
    sgd.apply(new Map([['p', tf.tensor1d([1])]])); // b = 1 → p = 0.9
    sgd.apply(new Map([['p', tf.tensor1d([1])]])); // b = 1.9 → p = 0.71
    expect(p.dataSync()[0]).toBeCloseTo(0.71, 6);
  });

  it('rejects a non-positive learning rate', () => {
    expect(() => new SGD(new Map(), { lr: 0 })).toThrow(/learning rate must be > 0/);
  });
});

describe('penalties', () => {
  it('L1 adds λ·sign(θ) to conv kernels (rank 4) only; weight decay adds λ·θ to every parameter', () => {
    const kernel = tf.variable(tf.tensor4d([0.5, -0.25, 0, 2], [1, 1, 2, 2]));
    const dense = tf.variable(tf.tensor2d([0.5, -0.25], [1, 2]));
    const params = new Map<string, tf.Variable>([
      ['conv.weight', kernel],
      ['fc.weight', dense],
    ]);
    const sgd = new SGD(params, { lr: 0.1, l1: 0.01, weightDecay: 0.001 });
    sgd.apply(
      new Map([
        ['conv.weight', tf.zeros([1, 1, 2, 2])],
        ['fc.weight', tf.zeros([1, 2])],
      ]),
    );
    const k = [0.5, -0.25, 0, 2].map((w) => w - 0.1 * (0.01 * Math.sign(w) + 0.001 * w));
    const d = [0.5, -0.25].map((w) => w - 0.1 * 0.001 * w);
    for (const [i, v] of Array.from(kernel.dataSync()).entries()) expect(v).toBeCloseTo(k[i], 7);
    expect(kernel.dataSync()[2]).toBe(0); // sign(0) = 0: a zero weight stays zero
    for (const [i, v] of Array.from(dense.dataSync()).entries()) expect(v).toBeCloseTo(d[i], 7);
    expect(sgd.getState().config).toMatchObject({ l1: 0.01, weightDecay: 0.001 });
    expect(() => new Adam(params, { l1: -1 })).toThrow('Adam: l1 must be a finite number ≥ 0, got -1');
  });
});

describe('step schedule', () => {
  it('decays by gamma every stepSize epochs', () => {
    const s = stepLr(0.01, 100, 0.1);
    expect(s(0)).toBe(0.01);
    expect(s(99)).toBe(0.01);
    expect(s(100)).toBeCloseTo(0.001, 12);
    expect(s(250)).toBeCloseTo(0.0001, 12);
  });
});
