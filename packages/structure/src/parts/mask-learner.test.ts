import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeModel, grads, step, values } from '../test-fixtures.js';
import { MaskLearner } from './mask-learner.js';
import { constantSparsity, cubicSparsity, linearSparsity } from './schedules.js';
import { magnitudeScore, taylorScore, type WeightScore } from './scores.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

const ctx = { tf, lr: 0.01, seed: 0 };
const twoLayers = () =>
  fakeModel({
    a: { values: [0.1, -0.2, 0.3, -0.4], shape: [4] },
    b: { values: [1, -2, 3, -4], shape: [2, 2] },
  });

describe('MaskLearner', () => {
  it('schedules: linear from s_i to s_f, constant at s_f, cubic as magnitude pruning', () => {
    const w = { initialSparsity: 0.2, targetSparsity: 0.6, startStep: 10, endStep: 30 };
    expect(linearSparsity(5, w)).toBe(0.2);
    expect(linearSparsity(20, w)).toBeCloseTo(0.4, 12);
    expect(linearSparsity(40, w)).toBe(0.6);
    expect(constantSparsity(11, w)).toBe(0.6);
    expect(cubicSparsity(20, w)).toBeCloseTo(0.55, 12);
  });

  it('prunes the lowest scores at every pruning step; pruned weights never return', () => {
    const model = twoLayers();
    const [[, a], [, b]] = model.prunableWeights();
    // the opposite of magnitude: the largest |w| go first
    const largestFirst: WeightScore = (w, { tf }) => tf.neg(tf.abs(w));
    const m = new MaskLearner(
      { name: 'largest', score: largestFirst, schedule: linearSparsity, defaults: { frequency: 2 } },
      { targetSparsity: 0.5, endStep: 4 },
    );
    m.attach(model, ctx);
    expect(m.isPruningStep(1)).toBe(false);
    m.afterStep(step(2)); // linear: 0.25 of 8 → the 2 largest, both in b
    expect(values(b)).toEqual([1, -2, 0, 0]);
    expect(m.report()).toMatchObject({ connectivity: 0.75, pruned: 2, regrown: 0 });
    // the optimizer moves the pruned ones back to large values: the mask zeroes them, and the score
    // (which would now rank them last) cannot bring them back
    b.assign(tf.tensor([1, -2, 0.01, 0.01], [2, 2]));
    m.afterStep(step(4)); // 0.5 of 8 → 2 more: -2 and 1
    expect(values(b)).toEqual([0, 0, 0, 0]);
    expect(values(a)).toEqual([0.1, -0.2, 0.3, -0.4].map(Math.fround));
    expect(m.report()).toMatchObject({ connectivity: 0.5, pruned: 2 });
    m.dispose();
  });

  it('one-shot: the constant schedule prunes once, then steps that ask for no more cost no score', () => {
    const model = twoLayers();
    let scored = 0;
    const counting: WeightScore = (w, c) => {
      scored++;
      return magnitudeScore(w, c);
    };
    const m = new MaskLearner(
      { name: 'once', score: counting, schedule: constantSparsity, defaults: { frequency: 1 } },
      { targetSparsity: 0.25, scope: 'per-layer', endStep: 10 },
    );
    m.attach(model, ctx);
    m.afterStep(step(1));
    expect(scored).toBe(2);
    for (let s = 2; s <= 10; s++) m.afterStep(step(s));
    expect(scored).toBe(2);
    expect(m.report().perLayer).toMatchObject({ a: { active: 3 }, b: { active: 3 } });
    m.dispose();
  });

  it('gradients: true hands the score the step gradient (Taylor |w·g|); without it the score says so', () => {
    const model = twoLayers();
    const [[, a], [, b]] = model.prunableWeights();
    const m = new MaskLearner(
      { name: 'taylor', score: taylorScore, gradients: true, defaults: { frequency: 1 } },
      { targetSparsity: 0.5, scope: 'per-layer', endStep: 1 },
    );
    m.attach(model, ctx);
    const g = grads({ a: [10, 1, 1, 0.1], b: [0.01, 1, 1, 1] }, { a: [4], b: [2, 2] });
    m.applyGradients(g, step(1));
    m.afterStep(step(1));
    // |w·g|: a = [1, 0.2, 0.3, 0.04] keeps 0.1 and 0.3; b = [0.01, 2, 3, 4] keeps 3 and -4
    expect(values(a)).toEqual([0.1, 0, 0.3, 0].map(Math.fround));
    expect(values(b)).toEqual([0, 0, 3, -4]);
    tf.dispose([...g.values()]);
    m.dispose();

    const plain = new MaskLearner({ name: 'taylor', score: taylorScore }, { endStep: 1 });
    plain.attach(twoLayers(), ctx);
    expect(() => plain.afterStep(step(1))).toThrow(
      /taylor score: no gradient for a; build the learner with gradients: true/,
    );
    plain.dispose();
  });

  it('checks its options and the score it is given, with the learner named', () => {
    const spec = { name: 'mine', score: magnitudeScore, numbers: { seed: { integer: true } } };
    expect(new MaskLearner(spec, { seed: '3' }).options).toMatchObject({ seed: 3, targetSparsity: 0.95 });
    expect(() => new MaskLearner(spec, { seed: 1.5 })).toThrow(/mine: option "seed" expects an integer/);
    expect(() => new MaskLearner(spec, { alpha: 1 })).toThrow(
      /mine: unknown option "alpha"; expected: .*seed/,
    );
    expect(() => new MaskLearner(spec, { targetSparsity: 1 })).toThrow(
      /mine: option "targetSparsity" must be in \[0, 1\)/,
    );
    const bad = new MaskLearner({ name: 'mine', score: (w, { tf }) => tf.sum(w) }, { endStep: 1 });
    bad.attach(twoLayers(), ctx);
    expect(() => bad.prune(0.5)).toThrow(/mine: the score of a has shape \[\], expected the weight's \[4\]/);
    bad.dispose();
  });

  it('checkpoints masks, schedule and its companion; extra report fields are added', () => {
    const counter = () => {
      const t = tf.variable(tf.scalar(0), false);
      return {
        t,
        getState: () => new Map([['count', t as tf.Tensor]]),
        setState: (s: ReadonlyMap<string, tf.Tensor>) => t.assign(s.get('count') as tf.Scalar),
        dispose: () => t.dispose(),
      };
    };
    let companion = counter();
    const spec = {
      name: 'kept',
      score: magnitudeScore,
      attach: () => {
        companion = counter();
        return companion;
      },
      extraReport: (l: MaskLearner) => ({ maskedLayers: l.masks().size }),
    };
    const first = new MaskLearner(spec, { targetSparsity: 0.5, frequency: 2 });
    first.attach(twoLayers(), { ...ctx, totalSteps: 4 });
    first.afterStep(step(2));
    companion.t.assign(tf.scalar(7));
    const saved = first.getState();
    expect([...saved.tensors.keys()]).toEqual(['mask/a', 'mask/b', 'companion/count']);
    expect(saved.json).toMatchObject({ learner: 'kept', endStep: 4, lastStep: 2, pruned: 3 });
    const copy = new Map([...saved.tensors].map(([k, t]) => [k, t.clone()]));
    first.dispose();

    const second = new MaskLearner(spec, { targetSparsity: 0.5, frequency: 2 });
    second.attach(twoLayers(), { ...ctx, totalSteps: 100 }); // a longer run: the saved schedule continues
    second.setState({ json: saved.json, tensors: copy });
    expect(values(companion.t)).toEqual([7]);
    second.afterStep(step(3)); // the restored masks zero the weights
    expect(second.report()).toMatchObject({ connectivity: 5 / 8, pruned: 3, maskedLayers: 2 });
    second.afterStep(step(4)); // the end of the saved schedule
    expect(second.report()).toMatchObject({ connectivity: 0.5, pruned: 1 });
    tf.dispose([...copy.values()]);
    second.dispose();
    expect(companion.t.isDisposed).toBe(true);
  });
});
