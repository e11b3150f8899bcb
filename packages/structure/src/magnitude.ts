import { MaskLearner } from './parts/mask-learner.js';
import { cubicSparsity } from './parts/schedules.js';
import { magnitudeScore } from './parts/scores.js';

export { cubicSparsity };

export interface MagnitudeOptions {
  /** Final sparsity s_f (default 0.95). */
  targetSparsity?: number;
  /** Sparsity at the first pruning step s_i (default 0). */
  initialSparsity?: number;
  /** 'global': one threshold over all prunable weights; 'per-layer': each layer reaches s_t (default global). */
  scope?: 'global' | 'per-layer';
  /** First pruning step t₀ (default 0). */
  startStep?: number;
  /** Step at which s_f is reached (default: the run's total steps, from the attach context). */
  endStep?: number;
  /** Prune every Δt steps (default 100). */
  frequency?: number;
}

/**
 * Gradual magnitude pruning (Zhu & Gupta 2017): a mask learner whose score is |w| and whose schedule
 * is cubic. Every `frequency` steps the smallest-magnitude weights are masked to reach the schedule's
 * sparsity; after every optimizer step the masks are re-applied. Pruned weights never return.
 */
export class MagnitudePruning extends MaskLearner {
  constructor(options: MagnitudeOptions = {}) {
    super(
      { name: 'magnitude', score: magnitudeScore, schedule: cubicSparsity },
      options as Record<string, unknown>,
    );
  }
}
