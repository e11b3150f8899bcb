import type { SpikingModel, StepInfo } from '@synaptogen/nn';
import type { AttachContext, LearnerReport, LearnerState } from '../contract.js';
import { cubicSparsity, type MagnitudeOptions, MagnitudePruning } from '../magnitude.js';
import { LearnerOptionError } from '../options.js';
import { type BudgetVerdict, type ConnectivityBudget, takeBudget } from './contract.js';
import { budgetInput } from './profile.js';

export interface BudgetedMagnitudeOptions extends Omit<MagnitudeOptions, 'targetSparsity'> {
  /** The hardware target (e.g. `coreBudget('loihi', { maxCores: 4 })` of `@synaptogen/hardware`). */
  budget: ConnectivityBudget;
}

/** Extra prune rounds at the end when rounding left the network a few synapses over the budget. */
const SETTLE_ROUNDS = 3;

/**
 * Gradual magnitude pruning towards a hardware budget instead of a sparsity number. At every pruning
 * step the budget judges the current network (`profileWeights` with the learner's masks, importance
 * |w|) and says which fraction of the existing synapses may stay; that becomes the final sparsity the
 * cubic schedule ramps towards (so it follows the weights as they change). At `endStep` the network
 * is checked against the budget, pruned a little further if rounding left it over, and the report
 * says `cores` and `fits`. Scope defaults to per-layer: budgets keep the same fraction in every layer.
 */
export class BudgetedMagnitudePruning extends MagnitudePruning {
  readonly budget: ConnectivityBudget;
  private model: SpikingModel | null = null;
  private settled = false;
  /** The final sparsity of the latest pruning step. */
  private target: number | null = null;

  constructor(options: BudgetedMagnitudeOptions) {
    const { budget, rest } = takeBudget('magnitude', options);
    // the base class validates the schedule options; its target sparsity is replaced by the budget's
    const initial = rest.initialSparsity === undefined ? 0 : Number(rest.initialSparsity);
    super({ scope: 'per-layer', ...rest, targetSparsity: Number.isFinite(initial) ? initial : 0 });
    this.budget = budget;
    const o = this.options as Record<string, unknown>;
    delete o.targetSparsity;
    o.budget = budget.describe;
  }

  override attach(model: SpikingModel, ctx: AttachContext): void {
    super.attach(model, ctx);
    this.model = model;
    const v = this.verdict();
    if (!v.feasible) {
      this.dispose();
      throw new LearnerOptionError(
        'magnitude',
        `budget "${this.budget.describe}" cannot be met${v.reason ? `: ${v.reason}` : ''}`,
      );
    }
  }

  /** The budget's verdict on the network as it is, with its active/total weights. */
  verdict(): BudgetVerdict & { active: number; total: number } {
    if (!this.model) throw new Error('magnitude: used before attach()');
    const input = budgetInput(this.model, this.masks());
    const v = this.budget.keepFraction(input.profile, input.importance);
    if (!(v.keep >= 0 && v.keep <= 1))
      throw new Error(
        `magnitude: budget "${this.budget.describe}" returned keep = ${v.keep}, expected [0, 1]`,
      );
    return { ...v, active: input.active, total: input.total };
  }

  /** Final sparsity the budget allows now: 1 − keep · (existing / all weights). */
  targetSparsity(): number {
    const v = this.verdict();
    if (!v.feasible)
      throw new Error(
        `magnitude: budget "${this.budget.describe}" cannot be met: ${v.reason ?? 'infeasible'}`,
      );
    return 1 - v.keep * (v.active / v.total);
  }

  override sparsityAt(step: number): number {
    const target = this.targetSparsity();
    this.target = target;
    return cubicSparsity(step, {
      initialSparsity: Math.min(this.options.initialSparsity, target),
      targetSparsity: target,
      startStep: this.options.startStep,
      endStep: this.endStep,
    });
  }

  override afterStep(info: StepInfo): void {
    super.afterStep(info);
    if (info.step >= this.endStep && !this.settled) this.settle();
  }

  /**
   * At the end: prune further (a few rounds at most) until the budget keeps everything. Each round
   * asks a little more than the budget's fraction (one more synapse per layer and round), since
   * `floor(s·n)` per layer can leave a synapse more than the budget counted.
   */
  private settle(): void {
    this.settled = true;
    const masks = this.masks();
    const smallest = Math.min(...Array.from(masks.values(), (m) => m.size));
    for (let round = 1; round <= SETTLE_ROUNDS; round++) {
      const v = this.verdict();
      if (v.keep >= 1) return;
      this.prune(Math.min(1, 1 - v.keep * (v.active / v.total) + round / smallest));
      this.applyMasks();
    }
  }

  /** The base report plus `budget`, `targetSparsity`, and whether the network fits now (`cores`, `fits`). */
  override report(): LearnerReport {
    const r = super.report();
    const v = this.verdict();
    const fits = v.feasible && v.keep >= 1;
    return {
      ...r,
      budget: this.budget.describe,
      targetSparsity: this.target,
      cores: fits ? (v.current ?? v.cores) : v.current,
      fits,
    };
  }

  override getState(): LearnerState {
    const s = super.getState();
    return { ...s, json: { ...s.json, settled: this.settled } };
  }

  override setState(state: LearnerState): void {
    super.setState(state);
    this.settled = Boolean(state.json.settled);
  }
}
