import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Rng } from '@synaptogen/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeepR, SoftDeepR } from './deepr.js';
import { fakeModel, grads, step, values } from './test-fixtures.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

const ctx = { tf, lr: 0.01, seed: 0 };
const nonzero = (t: tf.Tensor) => values(t).filter((x) => x !== 0).length;

function randomWeights(n: number, seed: number) {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.uniform(-0.05, 0.05));
}

describe('Deep R (hard, fixed budget)', () => {
  it('starts sparse with exactly K = round((1 − p)·size) active per layer, seeded', () => {
    const make = (seed: number) => {
      const model = fakeModel({
        a: { values: randomWeights(400, 1), shape: [20, 20] },
        b: { values: randomWeights(30, 2), shape: [30] },
      });
      const d = new DeepR({ targetSparsity: 0.9, seed });
      d.attach(model, ctx);
      return { model, d };
    };
    const { model, d } = make(7);
    const [[, a], [, b]] = model.prunableWeights();
    expect(nonzero(a)).toBe(40);
    expect(nonzero(b)).toBe(3);
    expect(d.budget.get('a')).toBe(40);
    expect(d.report()).toMatchObject({ connectivity: 43 / 430 });
    const again = make(7);
    expect(values(again.model.prunableWeights()[0][1])).toEqual(values(a));
    const other = make(8);
    expect(values(other.model.prunableWeights()[0][1])).not.toEqual(values(a));
    for (const x of [d, again.d, other.d]) x.dispose();
  });

  it('moves only active θ by η·s·g + η·α (SGD form, T = 0), then rewires to exactly K at once', () => {
    const w0 = [0.05, -0.04, 0.03, -0.02, 0.01, -0.06, 0.07, -0.08, 0.09, -0.1];
    const model = fakeModel({ fc: { values: w0, shape: [10] } });
    const w = model.prunableWeights()[0][1];
    const d = new DeepR({ targetSparsity: 0.5, alpha: 0.1, temperature: 0, optimizer: 'sgd', seed: 3 });
    d.attach(model, ctx);
    d.report();
    const theta0 = values(d.getState().tensors.get('theta/fc')!);
    const active0 = theta0.map((t) => t > 0);
    expect(active0.filter(Boolean)).toHaveLength(5);
    // a small gradient: θ ← θ − 0.01·s·g − 0.01·0.1 on active entries only
    const g1 = [0.1, 0.2, -0.1, 0.3, 0.1, -0.2, 0.1, 0.1, -0.3, 0.2];
    d.applyGradients(grads({ fc: g1 }, { fc: [10] }), step(1));
    const theta1 = values(d.getState().tensors.get('theta/fc')!);
    theta1.forEach((t, i) => {
      const s = Math.sign(w0[i]);
      const expected = active0[i] ? theta0[i] - 0.01 * s * g1[i] - 0.001 : theta0[i];
      expect(Math.abs(t - expected), `θ[${i}]`).toBeLessThan(1e-7);
    });
    expect(d.report()).toMatchObject({ pruned: 0, regrown: 0 });
    // a large gradient along s drives two active θ below 0: both go dormant, two dormant ones re-activate
    const kill = theta1
      .map((t, i) => (t > 0 ? i : -1))
      .filter((i) => i >= 0)
      .slice(0, 2);
    const g2 = w0.map((x, i) => (kill.includes(i) ? Math.sign(x) * 100 : 0));
    d.applyGradients(grads({ fc: g2 }, { fc: [10] }), step(2));
    const theta2 = values(d.getState().tensors.get('theta/fc')!);
    for (const i of kill) expect(theta2[i]).toBeLessThanOrEqual(0);
    const revived = theta2.map((t, i) => (t > 0 && !active0[i] ? i : -1)).filter((i) => i >= 0);
    expect(revived).toHaveLength(2);
    const wNow = values(w);
    for (const i of revived) expect(wNow[i]).toBeCloseTo(Math.sign(w0[i]) * 1e-4, 9); // s·regrowTheta
    expect(nonzero(w)).toBe(5); // the weights the model uses, not only θ
    expect(d.report()).toMatchObject({ connectivity: 0.5, pruned: 2, regrown: 2 });
    d.dispose();
  });

  it('keeps exactly K active in every layer under noise and large random gradients (Adam form)', () => {
    const model = fakeModel({
      a: { values: randomWeights(400, 4), shape: [20, 20] },
      b: { values: randomWeights(50, 5), shape: [5, 10] },
    });
    const d = new DeepR({ targetSparsity: 0.8, temperature: 1e-2, alpha: 1e-3, seed: 1 });
    d.attach(model, { ...ctx, lr: 0.05 });
    d.report();
    let rewired = 0;
    for (let s = 1; s <= 15; s++) {
      const g = grads(
        { a: randomWeights(400, 100 + s).map((x) => 20 * x), b: randomWeights(50, 200 + s) },
        { a: [20, 20], b: [5, 10] },
      );
      d.applyGradients(g, { ...step(s), lr: 0.05 });
      const [[, a], [, b]] = model.prunableWeights();
      expect(nonzero(a), `step ${s}`).toBe(80);
      expect(nonzero(b), `step ${s}`).toBe(10);
      const r = d.report();
      expect(r.pruned).toBe(r.regrown);
      rewired += r.regrown;
    }
    expect(rewired).toBeGreaterThan(0);
    d.dispose();
  });

  it('validates its options', () => {
    expect(() => new DeepR({ targetSparsity: 1 })).toThrow(
      /deepr: option "targetSparsity" must be in \[0, 1\)/,
    );
    expect(() => new DeepR({ temperature: -1 })).toThrow(/temperature" expects a number ≥ 0/);
    expect(() => new DeepR({ optimizer: 'rmsprop' as never })).toThrow(/expects one of adam, sgd/);
  });
});

describe('soft Deep R', () => {
  it('needs a temperature > 0 (the reference repository runs it at T = 0, where nothing regrows)', () => {
    expect(() => new SoftDeepR({ temperature: 0 })).toThrow(/soft-deepr: option "temperature" must be > 0/);
  });

  it('keeps θ ≥ θ_min, and dormant θ random-walk back above 0 (zero gradient, seeded noise)', () => {
    const run = () => {
      const model = fakeModel({ fc: { values: randomWeights(200, 6).map((x) => x / 50), shape: [200] } });
      const d = new SoftDeepR({ temperature: 0.5, alpha: 0, thetaMin: -0.05, optimizer: 'sgd', seed: 2 });
      d.attach(model, ctx);
      d.report();
      let pruned = 0;
      let regrown = 0;
      for (let s = 1; s <= 20; s++) {
        d.applyGradients(grads({ fc: new Array(200).fill(0) }, { fc: [200] }), step(s));
        const theta = values(d.getState().tensors.get('theta/fc')!);
        expect(Math.min(...theta)).toBeGreaterThanOrEqual(-0.05 - 1e-7);
        const r = d.report();
        pruned += r.pruned;
        regrown += r.regrown;
      }
      const theta = values(d.getState().tensors.get('theta/fc')!);
      d.dispose();
      return { pruned, regrown, theta };
    };
    const a = run();
    expect(a.pruned).toBeGreaterThan(0);
    expect(a.regrown).toBeGreaterThan(0);
    expect(run().theta).toEqual(a.theta); // same seed, same noise
  });
});
