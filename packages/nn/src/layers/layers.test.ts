import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import { BatchNorm2d } from './batchnorm.js';
import { Linear } from './linear.js';
import { Neuron } from './neuron.js';
import { Sequential } from './sequential.js';
import { Dropout, GroupAverage } from './shape.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const ctxTrain = { T: 4, training: true };

describe('BatchNorm', () => {
  it('normalises with batch statistics and updates running stats like PyTorch (unbiased var, momentum 0.1)', () => {
    const bn = new BatchNorm2d(1);
    const x = tf.tensor4d([1, 2, 3, 6], [1, 2, 2, 1]); // mean 3, biased var 3.5, unbiased 14/3
    const y = bn.forward(x, ctxTrain).dataSync();
    const sd = Math.sqrt(3.5 + 1e-5);
    expect(Array.from(y).map((v) => +v.toFixed(4))).toEqual(
      [1, 2, 3, 6].map((v) => +((v - 3) / sd).toFixed(4)),
    );
    expect(bn.runningMean.dataSync()[0]).toBeCloseTo(0.3, 6);
    expect(bn.runningVar.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * (14 / 3), 5);
    // evaluation uses the running statistics and leaves them alone
    const e = bn.forward(x, { T: 1, training: false }).dataSync();
    expect(e[0]).toBeCloseTo((1 - 0.3) / Math.sqrt(0.9 + 0.1 * (14 / 3) + 1e-5), 5);
    expect(bn.runningMean.dataSync()[0]).toBeCloseTo(0.3, 6);
    expect(bn.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(bn.namedBuffers().map(([n]) => n)).toEqual(['runningMean', 'runningVar']);
  });
});

describe('Dropout', () => {
  it('draws one mask per sample and keeps it for all T steps; scales kept values by 1/(1 − p)', () => {
    const d = new Dropout(0.5, new Rng(1));
    const x = tf.ones([4, 3, 50]); // [T, N, F]
    const y = d.call({ x, temporal: true }, ctxTrain).x;
    const v = y.dataSync();
    const per = 3 * 50;
    for (let t = 1; t < 4; t++) for (let i = 0; i < per; i++) expect(v[t * per + i]).toBe(v[i]);
    const kept = Array.from(v.slice(0, per)).filter((a) => a !== 0);
    expect(kept.every((a) => a === 2)).toBe(true);
    expect(kept.length).toBeGreaterThan(40);
    expect(kept.length).toBeLessThan(110);
    // evaluation: identity
    expect(d.call({ x, temporal: true }, { T: 4, training: false }).x.dataSync()[0]).toBe(1);
  });

  it('differs between calls and is reproducible from the seed', () => {
    const a = new Dropout(0.5, new Rng(7));
    const b = new Dropout(0.5, new Rng(7));
    const x = tf.ones([2, 100]);
    const a1 = Array.from(a.forward(x, ctxTrain).dataSync());
    const a2 = Array.from(a.forward(x, ctxTrain).dataSync());
    expect(a1).not.toEqual(a2);
    expect(Array.from(b.forward(x, ctxTrain).dataSync())).toEqual(a1);
  });
});

describe('Linear', () => {
  it('initialises U(−1/√fan_in, 1/√fan_in) like PyTorch, reproducibly from a seed', () => {
    const l = new Linear(400, 30, new Rng(3));
    const w = l.weight.dataSync();
    const bound = 1 / Math.sqrt(400);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...w)).toBeGreaterThan(0.95 * bound);
    expect(Array.from(new Linear(400, 30, new Rng(3)).weight.dataSync())).toEqual(Array.from(w));
  });
});

describe('Sequential with time', () => {
  it('direct encoding: layers before the first neuron run once, their output feeds all T steps', () => {
    const rng = new Rng(0);
    const lin = new Linear(3, 2, rng, { bias: false });
    let calls = 0;
    const orig = lin.forward.bind(lin);
    lin.forward = (x: tf.Tensor) => {
      calls++;
      return orig(x);
    };
    const seq = new Sequential([lin, new Neuron({ type: 'IF' }), new GroupAverage(2)]);
    const out = seq.call({ x: tf.ones([5, 3]), temporal: false }, ctxTrain);
    expect(calls).toBe(1);
    expect(out.temporal).toBe(true);
    expect(out.x.shape).toEqual([4, 5, 1]);
  });

  it('stateless layers after a neuron see T folded into the batch', () => {
    const rng = new Rng(0);
    const lin = new Linear(2, 2, rng);
    const shapes: number[][] = [];
    const orig = lin.forward.bind(lin);
    lin.forward = (x: tf.Tensor) => {
      shapes.push(x.shape);
      return orig(x);
    };
    const seq = new Sequential([new Neuron({ type: 'IF' }), lin]);
    const out = seq.call({ x: tf.ones([3, 2]), temporal: false }, ctxTrain);
    expect(shapes).toEqual([[12, 2]]);
    expect(out.x.shape).toEqual([4, 3, 2]);
  });
});
