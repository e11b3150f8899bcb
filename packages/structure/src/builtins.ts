import { BudgetedDeepR, type BudgetedDeepROptions } from './budget/deepr.js';
import { type BudgetedMagnitudeOptions, BudgetedMagnitudePruning } from './budget/magnitude.js';
import type { LearnerFactory } from './contract.js';
import { DeepR, type DeepROptions, SoftDeepR, type SoftDeepROptions } from './deepr.js';
import { Dense } from './dense.js';
import { GradR, type GradROptions } from './gradr.js';
import { type MagnitudeOptions, MagnitudePruning } from './magnitude.js';
import { registerLearner } from './registry.js';
import { SCA, type SCAOptions } from './sca/learner.js';

/** The learners this package ships, by registry name. */
export const BUILTIN_LEARNERS: Record<string, { factory: LearnerFactory; description: string }> = {
  dense: { factory: (o) => new Dense(o), description: 'no pruning' },
  gradr: {
    factory: (o) => new GradR(o as GradROptions),
    description: 'Grad R: w = s·ReLU(θ), redefined gradient, Laplace prior (alpha, targetSparsity)',
  },
  deepr: {
    factory: (o) =>
      o.budget !== undefined
        ? new BudgetedDeepR(o as unknown as BudgetedDeepROptions)
        : new DeepR(o as DeepROptions),
    description:
      'Deep R: fixed budget K per layer, random re-activation (targetSparsity or a hardware budget, alpha, temperature)',
  },
  'soft-deepr': {
    factory: (o) => new SoftDeepR(o as SoftDeepROptions),
    description: 'soft Deep R: noise on all θ, θ ≥ θ_min (alpha, temperature > 0, thetaMin)',
  },
  magnitude: {
    // a hardware budget (e.g. a core count on a chip) in place of a sparsity number
    factory: (o) =>
      o.budget !== undefined
        ? new BudgetedMagnitudePruning(o as unknown as BudgetedMagnitudeOptions)
        : new MagnitudePruning(o as MagnitudeOptions),
    description:
      'gradual magnitude pruning, cubic schedule (targetSparsity or a hardware budget, scope, frequency)',
  },
  sca: {
    factory: (o) => new SCA(o as SCAOptions),
    description:
      'SCA: conv channels ranked by spiking activity, pruned during training, regrown by |∂L/∂γ| (sparsity, regrow, score, maskMode, pruneInterval, warmup)',
  },
};

for (const [name, { factory, description }] of Object.entries(BUILTIN_LEARNERS))
  registerLearner(name, factory, description, { source: 'builtin' });
