/**
 * Hardware-aware pruning target: how much connectivity a network may keep to fit a core budget on a chip.
 * A pure function that structure learners call instead of taking a sparsity number.
 */
import type { Chip } from './chip.js';
import { effectiveMask } from './connectivity.js';
import type { MappingOptions, MappingReport } from './mapping/types.js';
import { mapToChip } from './mapping.js';
import type { LayerProfile, NetworkProfile } from './profile.js';
import { validateProfile, weightCount } from './profile.js';
import { mulberry32 } from './random.js';

export interface CoreBudgetOptions extends MappingOptions {
  /** The budget: at most this many cores. */
  maxCores: number;
  /** Layer indices that may lose synapses (default: all). */
  layers?: number[];
  /**
   * Per-layer importance in the weight layout (e.g. |w|); the most important weights are kept first.
   * Layers without one keep a seeded random subset (an estimate of what a pruner will reach).
   */
  importance?: (ArrayLike<number> | undefined)[];
  /** Seed for the random keep order (default 0). */
  seed?: number;
  /** Resolution of the keep fraction (default 1e-3). */
  tolerance?: number;
}

export interface CoreBudgetResult {
  /** Whether some keep fraction meets the budget (false: too many neurons; prune channels instead). */
  feasible: boolean;
  /** Largest fraction of the currently existing weights of the prunable layers that fits (0 when infeasible). */
  keepFraction: number;
  /** Existing weights / weight positions over the whole network after thinning. */
  connectivity: number;
  layers: {
    name: string;
    prunable: boolean;
    nonzeroWeights: number;
    weights: number;
    connectivity: number;
  }[];
  /** The mapping of the thinned network. */
  mapping: MappingReport;
  /** The thinned network (new weight masks on the prunable layers). */
  profile: NetworkProfile;
  /** Cores needed with no synapse removed. */
  coresBefore: number;
  /** Mapping runs spent in the search. */
  evaluations: number;
  reason?: string;
}

interface Ranked {
  /** Weight positions that exist now. */
  index: Int32Array;
  /** Priority of each of them (higher = kept longer). */
  priority: Float64Array;
  /** Priorities ascending. */
  sorted: Float64Array;
}

function rank(
  layer: LayerProfile,
  importance: ArrayLike<number> | undefined,
  random: () => number,
  where: string,
): Ranked {
  const exists = effectiveMask(layer);
  if (importance && importance.length !== exists.length) {
    throw new RangeError(
      `${where}: importance has ${importance.length} entries, expected ${exists.length} (the weight layout)`,
    );
  }
  let n = 0;
  for (let i = 0; i < exists.length; i++) n += exists[i];
  const index = new Int32Array(n);
  const priority = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < exists.length; i++) {
    if (!exists[i]) continue;
    index[k] = i;
    // Random tie-breaker keeps equal importances from being kept or dropped all at once.
    priority[k++] = importance ? Math.abs(importance[i]) + random() * 1e-12 : random();
  }
  return { index, priority, sorted: priority.slice().sort() };
}

function thin(layer: LayerProfile, r: Ranked, fraction: number): LayerProfile {
  const keep = Math.round(fraction * r.index.length);
  const mask = new Uint8Array(weightCount(layer));
  if (keep > 0) {
    const threshold = r.sorted[r.index.length - keep];
    for (let k = 0; k < r.index.length; k++) if (r.priority[k] >= threshold) mask[r.index[k]] = 1;
  }
  return { ...layer, weights: { kind: 'mask', mask } };
}

/**
 * Finds the largest uniform keep fraction (of each prunable layer's existing weights) whose mapping uses at
 * most `maxCores` cores, by bisection over nested masks (the kept set only grows with the fraction).
 */
export function fitToCoreBudget(
  profile: NetworkProfile,
  chip: Chip | string,
  options: CoreBudgetOptions,
): CoreBudgetResult {
  validateProfile(profile);
  const { maxCores } = options;
  if (!Number.isInteger(maxCores) || maxCores < 1) {
    throw new RangeError(`maxCores must be a positive integer, got ${maxCores}`);
  }
  const prunable = new Set(options.layers ?? profile.layers.map((_, i) => i));
  for (const i of prunable) {
    if (!Number.isInteger(i) || i < 0 || i >= profile.layers.length) {
      throw new RangeError(`layers: ${i} is not a layer index (0..${profile.layers.length - 1})`);
    }
  }
  const random = mulberry32(options.seed ?? 0);
  const ranked = profile.layers.map((l, i) =>
    prunable.has(i) ? rank(l, options.importance?.[i], random, `importance[${i}] (${l.name})`) : null,
  );
  const at = (f: number): NetworkProfile => ({
    ...profile,
    layers: profile.layers.map((l, i) => (ranked[i] ? thin(l, ranked[i]!, f) : l)),
  });
  let evaluations = 0;
  // Only core counts are kept: thinned masks of big layers are large.
  const cores = new Map<number, number>();
  const coresAt = (f: number): number => {
    let c = cores.get(f);
    if (c === undefined) {
      evaluations++;
      c = mapToChip(at(f), chip, options).cores;
      cores.set(f, c);
    }
    return c;
  };
  const result = (f: number, feasible: boolean, coresBefore: number, reason?: string): CoreBudgetResult => {
    const p = at(f);
    const mapping = mapToChip(p, chip, options);
    const layers = p.layers.map((l, i) => {
      const nonzeroWeights = effectiveMask(l).reduce((s, v) => s + v, 0);
      const weights = weightCount(l);
      return {
        name: l.name,
        prunable: prunable.has(i),
        nonzeroWeights,
        weights,
        connectivity: nonzeroWeights / weights,
      };
    });
    const nz = layers.reduce((s, l) => s + l.nonzeroWeights, 0);
    const total = layers.reduce((s, l) => s + l.weights, 0);
    return {
      feasible,
      keepFraction: feasible ? f : 0,
      connectivity: nz / total,
      layers,
      mapping,
      profile: p,
      coresBefore,
      evaluations,
      reason,
    };
  };

  const full = coresAt(1);
  if (full <= maxCores) return result(1, true, full);
  const empty = coresAt(0);
  if (empty > maxCores) {
    return result(
      0,
      false,
      full,
      `even with no synapses in the prunable layers the network needs ${empty} cores (> ${maxCores}): the neurons alone exceed the budget; remove channels or neurons instead`,
    );
  }
  const tolerance = options.tolerance ?? 1e-3;
  let lo = 0;
  let hi = 1;
  while (hi - lo > tolerance) {
    const mid = (lo + hi) / 2;
    if (coresAt(mid) <= maxCores) lo = mid;
    else hi = mid;
  }
  return result(lo, true, full);
}

/**
 * A core budget in the shape structure learners take as `budget` (`ConnectivityBudget` of
 * `@synaptogen/structure`, which hardware does not import): "fit in `maxCores` cores of `chip`".
 *
 * ```ts
 * createLearner('magnitude', { budget: coreBudget(chip, { maxCores: 4 }), endStep: 400 });
 * ```
 */
export function coreBudget(
  chip: Chip | string,
  options: Omit<CoreBudgetOptions, 'importance' | 'layers'>,
): {
  describe: string;
  keepFraction(
    profile: NetworkProfile,
    importance: readonly (ArrayLike<number> | undefined)[],
  ): { keep: number; feasible: boolean; cores: number; current: number; reason?: string };
} {
  if (!Number.isInteger(options.maxCores) || options.maxCores < 1) {
    throw new RangeError(`maxCores must be a positive integer, got ${options.maxCores}`);
  }
  return {
    describe: `${options.maxCores} ${typeof chip === 'string' ? chip : chip.name} cores`,
    keepFraction(profile, importance) {
      const r = fitToCoreBudget(profile, chip, { ...options, importance: [...importance] });
      return {
        keep: r.keepFraction,
        feasible: r.feasible,
        cores: r.mapping.cores,
        current: r.coresBefore,
        reason: r.reason,
      };
    },
  };
}
