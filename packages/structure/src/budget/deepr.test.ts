import { createModel } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import '../builtins.js';
import { createLearner } from '../registry.js';
import { step } from '../test-fixtures.js';
import type { ConnectivityBudget } from './contract.js';
import { BudgetedDeepR } from './deepr.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

/** At most `max` synapses, counted by hand from the profile's masks. */
function synapseBudget(max: number): ConnectivityBudget {
  return {
    describe: `${max} synapses`,
    keepFraction(profile) {
      let n = 0;
      for (const l of profile.layers)
        n +=
          l.weights.kind === 'mask'
            ? l.weights.mask.reduce((a, v) => a + v, 0)
            : l.kind === 'linear'
              ? l.inFeatures * l.outFeatures
              : 0;
      return { keep: Math.min(1, max / n), feasible: true, cores: Math.min(n, max), current: n };
    },
  };
}

describe('Deep R with a connectivity budget', () => {
  it('sets K per layer from the budget and keeps exactly K while rewiring', () => {
    // Linear 4→800 (3200 weights) and 800→2 (1600): 1200 of 4800 may stay → K = 800 and 400
    const model = createModel('gradr-mnist-mlp', { inputShape: [1, 2, 2], classes: 2, T: 2, seed: 4 });
    const d = createLearner('deepr', {
      budget: synapseBudget(1200),
      temperature: 0,
      seed: 1,
    }) as BudgetedDeepR;
    expect(d).toBeInstanceOf(BudgetedDeepR);
    d.attach(model, { tf, lr: 0.01, seed: 0 });
    expect(d.options).toMatchObject({ budget: '1200 synapses', targetSparsity: 0.75 });
    expect([...d.budget.values()]).toEqual([800, 400]);
    // a large gradient pushes many θ below 0: as many dormant ones are re-activated
    const grads = new Map(model.prunableWeights().map(([name, w]) => [name, tf.mul(tf.sign(w), 100)]));
    d.applyGradients(grads, step(1, 0.01));
    const r = d.report();
    expect(r.perLayer['body.1.weight'].active).toBe(800);
    expect(r.perLayer['body.3.weight'].active).toBe(400);
    expect(r.regrown).toBeGreaterThan(0);
    expect(r).toMatchObject({ budget: '1200 synapses', fits: true, cores: 1200 });
    expect(() => createLearner('deepr', { budget: synapseBudget(1), targetSparsity: 0.5 })).toThrow(
      /either "budget" or "targetSparsity"/,
    );
    tf.dispose([...grads.values()]);
    d.dispose();
    model.dispose();
  });
});
