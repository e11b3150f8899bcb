import type { SpikingModel } from '@synaptogen/nn';
import type { AttachContext, LearnerReport } from '../contract.js';
import { DeepR, type DeepROptions } from '../deepr.js';
import { LearnerOptionError } from '../options.js';
import { type ConnectivityBudget, takeBudget } from './contract.js';
import { budgetInput } from './profile.js';

export interface BudgetedDeepROptions extends Omit<DeepROptions, 'targetSparsity'> {
  /** The hardware target (e.g. `coreBudget('loihi', { maxCores: 4 })` of `@synaptogen/hardware`). */
  budget: ConnectivityBudget;
}

/**
 * Deep R with its fixed connection budget K taken from a hardware budget: at `attach` the budget judges
 * the network (a seeded random order of synapses, as Deep R's initial mask is random) and the fraction it
 * keeps sets K per layer; rewiring then keeps exactly K. Deep R moves synapses between neurons as it
 * learns, so `report()` checks the fit again on the current weights (`cores`, `fits`).
 */
export class BudgetedDeepR extends DeepR {
  readonly connectivityBudget: ConnectivityBudget;
  private model: SpikingModel | null = null;

  constructor(options: BudgetedDeepROptions) {
    const { budget, rest } = takeBudget('deepr', options);
    super({ ...rest, targetSparsity: 0 });
    this.connectivityBudget = budget;
    (this.options as Record<string, unknown>).budget = budget.describe;
  }

  override attach(model: SpikingModel, ctx: AttachContext): void {
    const input = budgetInput(model);
    const v = this.connectivityBudget.keepFraction(
      input.profile,
      input.importance.map(() => undefined),
    );
    if (!v.feasible)
      throw new LearnerOptionError(
        'deepr',
        `budget "${this.connectivityBudget.describe}" cannot be met${v.reason ? `: ${v.reason}` : ''}`,
      );
    // K = round((1 − p)·size) per layer: the budget's share of what exists now (all of it when dense)
    (this.options as { targetSparsity: number }).targetSparsity = 1 - v.keep * (input.active / input.total);
    super.attach(model, ctx);
    this.model = model;
  }

  /** The base report plus `budget` and whether the current network fits it (`cores`, `fits`). */
  override report(): LearnerReport {
    const r = super.report();
    if (!this.model) return r;
    const input = budgetInput(this.model);
    const v = this.connectivityBudget.keepFraction(input.profile, input.importance);
    const fits = v.feasible && v.keep >= 1;
    return {
      ...r,
      budget: this.connectivityBudget.describe,
      cores: fits ? (v.current ?? v.cores) : v.current,
      fits,
    };
  }
}
