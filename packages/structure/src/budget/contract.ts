import type { NetworkProfile } from '@synaptogen/nn';
import { LearnerOptionError } from '../options.js';

/** A budget's answer for one network: how much of its current connectivity may stay. */
export interface BudgetVerdict {
  /**
   * Fraction of the currently existing weights that may stay, the same in every layer, the most
   * important first (1 = the network fits as it is).
   */
  keep: number;
  /** False when no keep fraction meets the budget (e.g. too many neurons for the cores). */
  feasible: boolean;
  /** What the budget counts (e.g. cores) after keeping `keep`. */
  cores?: number;
  /** The same count for the network as it is now. */
  current?: number;
  /** Why it is infeasible, when it is. */
  reason?: string;
}

/**
 * A hardware target for pruning, in place of a sparsity number: given the network's plain-data
 * profile (`profileWeights` of `@synaptogen/nn`) and per-layer importances (|w| of the existing
 * weights in the profile's weight layout), says how much connectivity fits. `@synaptogen/hardware`'s
 * `coreBudget(chip, { maxCores })` is one ("fit in 64 Loihi cores"); structure does not depend on it.
 */
export interface ConnectivityBudget {
  /** A short human description, e.g. "4 loihi cores" (stored in learner options and reports). */
  readonly describe: string;
  keepFraction(
    profile: NetworkProfile,
    importance: readonly (ArrayLike<number> | undefined)[],
  ): BudgetVerdict;
}

/**
 * Splits a learner's options into its budget and the rest, with clear errors: the budget must look
 * like one, and replaces `targetSparsity` (both at once would be ambiguous).
 */
export function takeBudget<O extends { budget: ConnectivityBudget }>(
  learner: string,
  options: O,
): { budget: ConnectivityBudget; rest: Omit<O, 'budget'> } {
  const { budget, ...rest } = options;
  if (!isConnectivityBudget(budget))
    throw new LearnerOptionError(
      learner,
      'option "budget" expects an object { describe: string, keepFraction(profile, importance) } (e.g. coreBudget of @synaptogen/hardware)',
    );
  if ((rest as { targetSparsity?: unknown }).targetSparsity !== undefined)
    throw new LearnerOptionError(
      learner,
      'give either "budget" or "targetSparsity": the budget decides how many synapses stay',
    );
  return { budget, rest };
}

/** Whether `v` looks like a budget (options come from plain objects and plugins). */
export function isConnectivityBudget(v: unknown): v is ConnectivityBudget {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ConnectivityBudget).describe === 'string' &&
    typeof (v as ConnectivityBudget).keepFraction === 'function'
  );
}
