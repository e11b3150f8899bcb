/** The span a sparsity schedule ramps over, and the sparsities at both ends. */
export interface PruningWindow {
  /** Sparsity at (and before) `startStep`. */
  initialSparsity: number;
  /** Sparsity at (and after) `endStep`. */
  targetSparsity: number;
  startStep: number;
  endStep: number;
}

/** The sparsity a mask learner should have reached at optimizer step `step`. */
export type SparsitySchedule = (step: number, window: PruningWindow) => number;

/** Zhu & Gupta (2017): s_t = s_f + (s_i − s_f)·(1 − (t − t₀)/(t_end − t₀))³, clamped to [t₀, t_end]. */
export const cubicSparsity: SparsitySchedule = (step, o) => {
  if (step <= o.startStep) return o.initialSparsity;
  if (step >= o.endStep) return o.targetSparsity;
  const f = 1 - (step - o.startStep) / (o.endStep - o.startStep);
  return o.targetSparsity + (o.initialSparsity - o.targetSparsity) * f ** 3;
};

/** A straight line from s_i at t₀ to s_f at t_end. */
export const linearSparsity: SparsitySchedule = (step, o) => {
  if (step <= o.startStep) return o.initialSparsity;
  if (step >= o.endStep) return o.targetSparsity;
  const f = (step - o.startStep) / (o.endStep - o.startStep);
  return o.initialSparsity + (o.targetSparsity - o.initialSparsity) * f;
};

/** One shot: the final sparsity from the first pruning step on. */
export const constantSparsity: SparsitySchedule = (_step, o) => o.targetSparsity;
