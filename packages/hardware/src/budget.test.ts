import { describe, expect, it } from 'vitest';
import { coreBudget, fitToCoreBudget } from './budget.js';
import { buildProfile, linearLayer } from './layout.js';
import { mapToChip } from './mapping.js';
import { mulberry32 } from './random.js';

describe('fitToCoreBudget', () => {
  const dense = buildProfile({
    timeSteps: 1,
    layers: [linearLayer({ name: 'fc', inFeatures: 4096, outFeatures: 64 })],
  });

  it('finds the largest keep fraction that fits a Loihi core budget', () => {
    expect(mapToChip(dense, 'loihi').cores).toBe(3);
    const r = fitToCoreBudget(dense, 'loihi', { maxCores: 1, seed: 1, tolerance: 1e-3 });
    expect(r.feasible).toBe(true);
    expect(r.coresBefore).toBe(3);
    expect(r.mapping.cores).toBe(1);
    // All 4096 axons stay in one core: headers take 262144 bits, leaving 3 words per axon at most
    // (<= 10 sparse synapses of 18 bits) -> keep fraction below 10/64; and above 7/64 on average.
    expect(r.keepFraction).toBeGreaterThan(0.08);
    expect(r.keepFraction).toBeLessThan(10 / 64);
    expect(r.connectivity).toBeCloseTo(r.keepFraction, 3);
    expect(fitToCoreBudget(dense, 'loihi', { maxCores: 1, seed: 1 }).keepFraction).toBe(r.keepFraction);
    const loose = fitToCoreBudget(dense, 'loihi', { maxCores: 2, seed: 1 });
    expect(loose.keepFraction).toBeGreaterThan(r.keepFraction);
    expect(loose.mapping.cores).toBeLessThanOrEqual(2);
  });

  it('keeps the most important weights first', () => {
    const rand = mulberry32(3);
    const importance = Float64Array.from({ length: 4096 * 64 }, () => rand() - 0.5);
    const r = fitToCoreBudget(dense, 'loihi', { maxCores: 1, importance: [importance] });
    const layer = r.profile.layers[0];
    if (layer.weights.kind !== 'mask') throw new Error('expected a mask');
    let minKept = Number.POSITIVE_INFINITY;
    let maxDropped = 0;
    layer.weights.mask.forEach((m, i) => {
      const v = Math.abs(importance[i]);
      if (m) minKept = Math.min(minKept, v);
      else maxDropped = Math.max(maxDropped, v);
    });
    expect(minKept).toBeGreaterThanOrEqual(maxDropped);
    expect(r.mapping.cores).toBe(1);
    // Maximal: keeping the top (keepFraction + 0.005) by the same importance no longer fits one core.
    const order = Array.from(importance.keys()).sort(
      (a, b) => Math.abs(importance[b]) - Math.abs(importance[a]),
    );
    const more = new Uint8Array(importance.length);
    for (const i of order.slice(0, Math.round((r.keepFraction + 0.005) * importance.length))) more[i] = 1;
    const bigger = buildProfile({
      timeSteps: 1,
      layers: [linearLayer({ name: 'fc', inFeatures: 4096, outFeatures: 64, weights: more })],
    });
    expect(mapToChip(bigger, 'loihi').cores).toBeGreaterThan(1);
  });

  it('returns the budget unchanged when it already fits, and explains when no pruning can fit', () => {
    expect(fitToCoreBudget(dense, 'loihi', { maxCores: 3 }).keepFraction).toBe(1);
    const wide = buildProfile({
      timeSteps: 1,
      layers: [linearLayer({ name: 'fc', inFeatures: 10, outFeatures: 3000 })],
    });
    const r = fitToCoreBudget(wide, 'loihi', { maxCores: 2 });
    expect(r.feasible).toBe(false);
    expect(r.reason).toMatch(/needs 3 cores \(> 2\)/);
    expect(() => fitToCoreBudget(dense, 'loihi', { maxCores: 0 })).toThrow(/maxCores/);
    expect(() => fitToCoreBudget(dense, 'loihi', { maxCores: 1, layers: [3] })).toThrow(/not a layer index/);
  });

  it('coreBudget answers a structure learner in fitToCoreBudget terms', () => {
    const budget = coreBudget('loihi', { maxCores: 1, seed: 1 });
    expect(budget.describe).toBe('1 loihi cores');
    const v = budget.keepFraction(dense, [undefined]);
    const r = fitToCoreBudget(dense, 'loihi', { maxCores: 1, seed: 1 });
    expect(v).toEqual({ keep: r.keepFraction, feasible: true, cores: 1, current: 3, reason: undefined });
    expect(coreBudget('loihi', { maxCores: 3 }).keepFraction(dense, [undefined])).toMatchObject({
      keep: 1,
      cores: 3,
      current: 3,
    });
    expect(() => coreBudget('loihi', { maxCores: 0 })).toThrow(/maxCores must be a positive integer/);
  });
});
