import { createModel, type NetworkProfile } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import '../builtins.js';
import { createLearner } from '../registry.js';
import { step } from '../test-fixtures.js';
import type { ConnectivityBudget } from './contract.js';
import { BudgetedMagnitudePruning } from './magnitude.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

const existing = (p: NetworkProfile) =>
  p.layers.reduce(
    (s, l) =>
      s +
      (l.weights.kind === 'dense'
        ? l.kind === 'linear'
          ? l.inFeatures * l.outFeatures
          : 0
        : l.weights.mask.reduce((a, v) => a + v, 0)),
    0,
  );

/** A budget of at most `max` synapses: keep = max / existing, counted by hand from the profile. */
function synapseBudget(
  max: number,
  seen: { existing: number[]; importance: number[] } = { existing: [], importance: [] },
) {
  const budget: ConnectivityBudget = {
    describe: `${max} synapses`,
    keepFraction(profile, importance) {
      const n = existing(profile);
      seen.existing.push(n);
      seen.importance.push(
        importance.reduce((s, imp) => s + Array.from(imp ?? []).filter((v) => v > 0).length, 0),
      );
      return {
        keep: Math.min(1, max / n),
        feasible: max > 0,
        cores: Math.min(n, max),
        current: n,
        reason: max > 0 ? undefined : 'no synapse allowed',
      };
    },
  };
  return { budget, seen };
}

// gradr-mnist-mlp on 2×2 inputs: Linear 4→800 (3200 weights), LIF, Linear 800→2 (1600 weights), LIF
const tiny = () => createModel('gradr-mnist-mlp', { inputShape: [1, 2, 2], classes: 2, T: 2, seed: 4 });

describe('magnitude pruning with a connectivity budget', () => {
  it('ramps to the sparsity the budget allows, recomputed from the current weights, and fits at the end', () => {
    const model = tiny();
    const { budget, seen } = synapseBudget(1200);
    const m = new BudgetedMagnitudePruning({ budget, frequency: 5, endStep: 10 });
    expect(m.options).toMatchObject({ budget: '1200 synapses', scope: 'per-layer' });
    expect(m.options).not.toHaveProperty('targetSparsity');
    m.attach(model, { tf, lr: 0.01, seed: 0 });
    expect(seen.existing).toEqual([4800]); // checked once at attach
    const [[, w1], [, w2]] = model.prunableWeights();

    m.afterStep(step(5));
    // 1200 of 4800 may stay: s_f = 0.75; s_5 = 0.75 − 0.75·0.5³ = 0.65625 per layer
    expect(seen.existing.at(-1)).toBe(4800);
    let r = m.report();
    expect(r.perLayer['body.1.weight'].active).toBe(3200 - Math.floor(0.65625 * 3200));
    expect(r.perLayer['body.3.weight'].active).toBe(1600 - Math.floor(0.65625 * 1600));
    expect(r).toMatchObject({ budget: '1200 synapses', targetSparsity: 0.75, fits: false, cores: 1650 });

    // the optimizer moves pruned weights between steps: the budget still sees the learner's masks
    tf.tidy(() => {
      w1.assign(tf.add(w1, 1));
      w2.assign(tf.add(w2, 1));
    });
    m.afterStep(step(10));
    expect(seen.existing.at(-2)).toBe(1650); // the verdict at step 10, before pruning
    expect(seen.importance.at(-2)).toBe(1650); // importance is 0 where pruned
    r = m.report();
    // keep = 1200/1650 of 1650/4800 → s_f = 0.75 again: 800 + 400 synapses
    expect(r.perLayer['body.1.weight'].active).toBe(800);
    expect(r.perLayer['body.3.weight'].active).toBe(400);
    expect(r).toMatchObject({ connectivity: 0.25, targetSparsity: 0.75, fits: true, cores: 1200 });
    let nonzero = 0;
    for (const w of [w1, w2]) nonzero += Array.from(w.dataSync()).filter((v) => v !== 0).length;
    expect(nonzero).toBe(1200);
    m.dispose();
    model.dispose();
  });

  it('prunes further at the end when rounding leaves the network over the budget', () => {
    const model = tiny();
    // 1201 of 4800: s_f = 0.749791…, per layer floor(s·n) pruned leaves 801 + 401 = 1202 > 1201
    const { budget } = synapseBudget(1201);
    const m = new BudgetedMagnitudePruning({ budget, frequency: 100, endStep: 3 });
    m.attach(model, { tf, lr: 0.01, seed: 0 });
    m.afterStep(step(3));
    const r = m.report();
    expect(r.fits).toBe(true);
    expect(Object.values(r.perLayer).reduce((s, l) => s + l.active, 0)).toBeLessThanOrEqual(1201);
    m.dispose();
    model.dispose();
  });

  it('is what createLearner("magnitude", { budget }) builds; bad options are clear errors', () => {
    const { budget } = synapseBudget(10);
    expect(createLearner('magnitude', { budget })).toBeInstanceOf(BudgetedMagnitudePruning);
    expect(() => createLearner('magnitude', { budget, targetSparsity: 0.9 })).toThrow(
      /either "budget" or "targetSparsity": the budget decides/,
    );
    expect(() => createLearner('magnitude', { budget: 4 })).toThrow(/option "budget" expects an object/);
    const model = tiny();
    const none = createLearner('magnitude', { budget: synapseBudget(0).budget, endStep: 5 });
    expect(() => none.attach(model, { tf, lr: 0.01, seed: 0 })).toThrow(
      /budget "0 synapses" cannot be met: no synapse allowed/,
    );
    model.dispose();
  });
});
