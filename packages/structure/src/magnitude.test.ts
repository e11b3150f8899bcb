import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { cubicSparsity, MagnitudePruning } from './magnitude.js';
import { fakeModel, step, values } from './test-fixtures.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

describe('magnitude pruning', () => {
  it('follows the cubic schedule s_t = s_f + (s_i − s_f)(1 − (t − t₀)/(t_end − t₀))³', () => {
    const o = { initialSparsity: 0, targetSparsity: 0.8, startStep: 0, endStep: 100 };
    expect(cubicSparsity(0, o)).toBe(0);
    expect(cubicSparsity(50, o)).toBeCloseTo(0.7, 12); // 0.8 − 0.8·0.125
    expect(cubicSparsity(25, o)).toBeCloseTo(0.4625, 12); // 0.8 − 0.8·0.421875
    expect(cubicSparsity(100, o)).toBe(0.8);
    expect(cubicSparsity(150, o)).toBe(0.8);
    const late = { initialSparsity: 0.2, targetSparsity: 0.6, startStep: 10, endStep: 30 };
    expect(cubicSparsity(5, late)).toBe(0.2);
    expect(cubicSparsity(20, late)).toBeCloseTo(0.55, 12); // 0.6 − 0.4·0.125
  });

  it('prunes the smallest |w| globally every `frequency` steps and keeps them at 0', () => {
    // layer a holds the small weights: a global threshold takes them first
    const model = fakeModel({
      a: { values: [0.1, -0.2, 0.3, -0.4], shape: [4] },
      b: { values: [1, -2, 3, -4], shape: [4] },
    });
    const [[, a], [, b]] = model.prunableWeights();
    const m = new MagnitudePruning({ targetSparsity: 0.5, frequency: 2, endStep: 4 });
    m.attach(model, { tf, lr: 0.01, seed: 0 });
    m.afterStep(step(1)); // not due
    expect(m.report()).toMatchObject({ connectivity: 1, pruned: 0 });
    m.afterStep(step(2)); // due: s_2 = 0.5 − 0.5·0.125 = 0.4375 → floor(0.4375·8) = 3 pruned
    expect(values(a)).toEqual([0, 0, 0, -0.4].map((x) => Math.fround(x)));
    expect(values(b)).toEqual([1, -2, 3, -4]);
    expect(m.report()).toMatchObject({ connectivity: 5 / 8, pruned: 3, regrown: 0 });
    // the optimizer moves a pruned weight: the mask puts it back to 0 after the step
    a.assign(tf.tensor([0.9, 0.9, 0.9, -0.4]));
    m.afterStep(step(3));
    expect(values(a)).toEqual([0, 0, 0, -0.4].map((x) => Math.fround(x)));
    m.afterStep(step(4)); // end: 0.5 → 4 pruned
    expect(values(a)).toEqual([0, 0, 0, 0]);
    expect(m.report()).toMatchObject({
      connectivity: 0.5,
      pruned: 1,
      perLayer: { a: { active: 0 }, b: { active: 4 } },
    });
    m.dispose();
  });

  it('per-layer scope gives every layer the scheduled sparsity', () => {
    const model = fakeModel({
      a: { values: [0.1, -0.2, 0.3, -0.4], shape: [4] },
      b: { values: [1, -2, 3, -4], shape: [4] },
    });
    const m = new MagnitudePruning({ targetSparsity: 0.5, scope: 'per-layer', frequency: 10 });
    m.attach(model, { tf, lr: 0.01, seed: 0, totalSteps: 10 });
    m.afterStep(step(10));
    const [[, a], [, b]] = model.prunableWeights();
    expect(values(a)).toEqual([0, 0, 0.3, -0.4].map((x) => Math.fround(x)));
    expect(values(b)).toEqual([0, 0, 3, -4]);
    expect(m.report().perLayer).toMatchObject({ a: { connectivity: 0.5 }, b: { connectivity: 0.5 } });
    m.dispose();
  });

  it('needs the end of the schedule and validates its options', () => {
    const model = fakeModel({ a: { values: [1], shape: [1] } });
    expect(() => new MagnitudePruning().attach(model, { tf, lr: 0.01, seed: 0 })).toThrow(
      /magnitude: needs option "endStep"/,
    );
    expect(() => new MagnitudePruning({ scope: 'row' as never })).toThrow(/expects one of global, per-layer/);
    expect(() => new MagnitudePruning({ targetSparsity: 1.5 })).toThrow(/targetSparsity/);
  });
});
