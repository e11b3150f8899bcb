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

describe('step schedule', () => {
  it('decays by gamma every stepSize epochs', () => {
    const s = stepLr(0.01, 100, 0.1);
    expect(s(0)).toBe(0.01);
    expect(s(99)).toBe(0.01);
    expect(s(100)).toBeCloseTo(0.001, 12);
    expect(s(250)).toBeCloseTo(0.0001, 12);
  });
});
