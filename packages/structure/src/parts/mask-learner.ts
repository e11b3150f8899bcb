import type { SpikingModel, StepInfo } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { buildReport } from '../connectivity.js';
import type { AttachContext, LearnerReport, LearnerState, StructureLearner } from '../contract.js';
import { LearnerOptionError, type NumberRule, OptionReader } from '../options.js';
import { ownVariable } from '../theta.js';
import { cubicSparsity, type SparsitySchedule } from './schedules.js';
import type { WeightScore } from './scores.js';

/** The options every mask learner takes (resolved: defaults filled in). */
export interface MaskOptions {
  /** Final sparsity s_f, in [0, 1) (default 0.95). */
  targetSparsity: number;
  /** Sparsity at the first pruning step s_i (default 0). */
  initialSparsity: number;
  /** 'global': one threshold over all prunable weights; 'per-layer': each layer reaches s_t (default global). */
  scope: 'global' | 'per-layer';
  /** First pruning step t₀ (default 0). */
  startStep: number;
  /** Step at which s_f is reached (default: the run's total steps, from the attach context). */
  endStep?: number;
  /** Prune every Δt steps (default 100), and at `endStep`. */
  frequency: number;
}

/** Something a learner keeps beside its masks for its score (an activity monitor...): checkpointed and disposed with it. */
export interface MaskCompanion {
  /** Tensors to checkpoint (stored as `learner/companion/<key>`); live tensors, not copies. */
  getState?(): Map<string, tf.Tensor>;
  /** Restores from the tensors `getState` named (the learner's masks are already restored); copy them. */
  setState?(tensors: ReadonlyMap<string, tf.Tensor>): void;
  dispose?(): void;
}

/** What makes a mask learner: a name, a weight score and a sparsity schedule. */
export interface MaskLearnerSpec {
  /** Registry name; it also starts every error message. */
  name: string;
  /** Importance of every weight entry; the lowest are pruned first. */
  score: WeightScore;
  /** Sparsity at each pruning step (default: the cubic schedule of Zhu & Gupta). */
  schedule?: SparsitySchedule;
  /** Other defaults for the standard options. */
  defaults?: Partial<Omit<MaskOptions, 'endStep'>>;
  /** Extra numeric options the score reads (as `ctx.options`), validated like the standard ones. */
  numbers?: Record<string, NumberRule & { default?: number }>;
  /** Keep the gradient of every masked weight at pruning steps, for the score (`ctx.grad`). */
  gradients?: boolean;
  /** Called at attach, before the first step; what it returns is checkpointed and disposed with the learner. */
  attach?(model: SpikingModel, ctx: AttachContext): MaskCompanion | undefined;
  /** Fields added to every report (hosts pass them through to logs and summaries). */
  extraReport?(learner: MaskLearner): Record<string, unknown>;
}

interface MaskEntry {
  name: string;
  w: tf.Variable;
  mask: tf.Variable;
  /** Entries of the mask that are 1, kept on the host so that a step with nothing to prune costs nothing. */
  active: number;
}

/** k-th smallest value (0-based) of `values` (sorted copy; pruning steps are rare). */
function kthSmallest(values: Float32Array, k: number): number {
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(Math.max(k, 0), sorted.length - 1)];
}

/**
 * A structure learner made of a weight score and a sparsity schedule: a 0/1 mask per prunable
 * weight; the weights stay in the main optimizer; at every pruning step (every `frequency` steps from
 * `startStep`, and at `endStep`) the lowest-scoring live weights are masked to reach the schedule's
 * sparsity, and after every optimizer step the masks are re-applied (the optimizer may have moved
 * a pruned weight). Pruned weights never return (regrown is always 0). Reports connectivity from
 * the masks; checkpoints hold the masks (`mask/<weight>`), so a resumed run continues the schedule.
 */
export class MaskLearner implements StructureLearner {
  readonly name: string;
  readonly options: MaskOptions & Record<string, unknown>;
  private entries: MaskEntry[] = [];
  private readonly schedule: SparsitySchedule;
  private companion: MaskCompanion | undefined;
  private attachedModel: SpikingModel | undefined;
  private grads = new Map<string, tf.Tensor>();
  private seed = 0;
  /** Step at which the schedule reaches its final sparsity. */
  protected endStep = 0;
  private pruned = 0;
  private lastStep = 0;

  constructor(
    private readonly spec: MaskLearnerSpec,
    options: Record<string, unknown> = {},
  ) {
    const name = spec.name;
    const d = spec.defaults ?? {};
    const numbers = spec.numbers ?? {};
    const r = new OptionReader(name, options, [
      'targetSparsity',
      'initialSparsity',
      'scope',
      'startStep',
      'endStep',
      'frequency',
      ...Object.keys(numbers),
    ]);
    const targetSparsity = r.number('targetSparsity', d.targetSparsity ?? 0.95, { min: 0 });
    if (!(targetSparsity < 1))
      throw new LearnerOptionError(name, `option "targetSparsity" must be in [0, 1), got ${targetSparsity}`);
    const initialSparsity = r.number('initialSparsity', d.initialSparsity ?? 0, {
      min: 0,
      max: targetSparsity,
    });
    this.options = {
      targetSparsity,
      initialSparsity,
      scope: r.choice('scope', ['global', 'per-layer'] as const, d.scope ?? 'global'),
      startStep: r.number('startStep', d.startStep ?? 0, { integer: true, min: 0 }),
      endStep: r.optionalNumber('endStep', { integer: true, min: 1 }),
      frequency: r.number('frequency', d.frequency ?? 100, { integer: true, min: 1 }),
    };
    for (const [key, rule] of Object.entries(numbers)) {
      const v = rule.default === undefined ? r.optionalNumber(key, rule) : r.number(key, rule.default, rule);
      if (v !== undefined) this.options[key] = v;
    }
    this.name = name;
    this.schedule = spec.schedule ?? cubicSparsity;
  }

  attach(model: SpikingModel, ctx: AttachContext): void {
    const name = this.name;
    if (this.entries.length) throw new Error(`${name}: already attached to a model`);
    const end = this.options.endStep ?? ctx.totalSteps;
    if (end === undefined)
      throw new LearnerOptionError(name, 'needs option "endStep" (or a host that knows the total steps)');
    if (!(end > this.options.startStep))
      throw new LearnerOptionError(name, `endStep ${end} must be after startStep ${this.options.startStep}`);
    this.endStep = end;
    this.seed = ctx.seed;
    this.attachedModel = model;
    for (const [name, w] of model.prunableWeights())
      this.entries.push({ name, w, mask: ownVariable(tf.onesLike(w)), active: w.size });
    this.companion = this.spec.attach?.(model, ctx) ?? undefined;
  }

  /** Sparsity the schedule asks for at `step`. */
  sparsityAt(step: number): number {
    return this.schedule(step, { ...this.options, endStep: this.endStep });
  }

  /** Whether `step` is a pruning step. */
  isPruningStep(step: number): boolean {
    const { startStep, frequency } = this.options;
    if (step < startStep || step > this.endStep) return false;
    return (step - startStep) % frequency === 0 || step === this.endStep;
  }

  /** With `gradients: true`: keeps this step's gradients of the masked weights when the step prunes. */
  applyGradients(grads: ReadonlyMap<string, tf.Tensor>, info: StepInfo): void {
    if (!this.spec.gradients || !this.isPruningStep(info.step)) return;
    for (const e of this.entries) {
      const g = grads.get(e.name);
      if (g) this.grads.set(e.name, g.clone());
    }
  }

  afterStep(info: StepInfo): void {
    this.lastStep = info.step;
    if (this.isPruningStep(info.step)) this.prune(this.sparsityAt(info.step));
    this.applyMasks();
    tf.dispose([...this.grads.values()]);
    this.grads.clear();
  }

  /** Zeroes the masked weights (the optimizer may have moved them). */
  protected applyMasks(): void {
    tf.tidy(() => {
      for (const e of this.entries) e.w.assign(tf.mul(e.w, e.mask));
    });
  }

  /** The current 0/1 mask of every prunable weight, by parameter name (live tensors, not copies). */
  masks(): Map<string, tf.Tensor> {
    return new Map(this.entries.map((e) => [e.name, e.mask as tf.Tensor]));
  }

  /** Scores of the live entries of `e`; entries already pruned get −∞, so they rank first. */
  private scoresOf(e: MaskEntry, index: number, old: ArrayLike<number>): Float32Array {
    const model = this.attachedModel as SpikingModel;
    const raw = tf.tidy(() => {
      const ctx = {
        tf,
        name: e.name,
        index,
        step: this.lastStep,
        seed: this.seed,
        options: this.options,
        model,
        mask: e.mask,
        grad: this.grads.get(e.name),
      };
      const s = this.spec.score(tf.mul(e.w, e.mask), ctx);
      if (s?.size !== e.w.size)
        throw new Error(
          `${this.name}: the score of ${e.name} has shape [${s?.shape}], expected the weight's [${e.w.shape}]`,
        );
      return s.dataSync();
    });
    const scores = Float32Array.from(raw);
    for (let j = 0; j < scores.length; j++) if (!(old[j] > 0)) scores[j] = Number.NEGATIVE_INFINITY;
    return scores;
  }

  /** Masks the lowest-scoring weights so that `sparsity` of the weights (globally or per layer) are zero. */
  prune(sparsity: number): void {
    const global = this.options.scope === 'global';
    const sizes = this.entries.map((e) => e.mask.size);
    const total = sizes.reduce((a, n) => a + n, 0);
    const zeros = this.entries.map((e) => e.mask.size - e.active);
    // a schedule that has not moved past the current sparsity prunes nothing: skip the scores
    const due = global
      ? Math.floor(sparsity * total) > zeros.reduce((a, n) => a + n, 0)
      : sizes.some((n, i) => Math.floor(sparsity * n) > zeros[i]);
    if (!due) return;
    const olds = this.entries.map((e) => e.mask.dataSync());
    const scores = this.entries.map((e, i) => this.scoresOf(e, i, olds[i]));
    const thresholds: number[] = [];
    if (global) {
      const all = new Float32Array(total);
      let at = 0;
      for (const s of scores) {
        all.set(s, at);
        at += s.length;
      }
      const k = Math.floor(sparsity * total);
      const th = k > 0 ? kthSmallest(all, k - 1) : Number.NEGATIVE_INFINITY;
      for (let i = 0; i < scores.length; i++) thresholds.push(th);
    } else {
      for (const s of scores) {
        const k = Math.floor(sparsity * s.length);
        thresholds.push(k > 0 ? kthSmallest(s, k - 1) : Number.NEGATIVE_INFINITY);
      }
    }
    this.entries.forEach((e, i) => {
      const s = scores[i];
      const old = olds[i];
      // exactly floor(s·n) would need tie-breaking; score ≤ threshold is the usual rule
      const mask = new Float32Array(s.length);
      let after = 0;
      for (let j = 0; j < s.length; j++) {
        if (old[j] > 0 && s[j] > thresholds[i]) {
          mask[j] = 1;
          after++;
        }
      }
      this.pruned += e.active - after;
      e.active = after;
      tf.tidy(() => e.mask.assign(tf.tensor(mask, e.mask.shape)));
    });
  }

  report(): LearnerReport {
    const counts = tf.tidy(() => tf.stack(this.entries.map((e) => tf.sum(e.mask))));
    const v = counts.dataSync();
    counts.dispose();
    const r = buildReport(
      this.entries.map((e, i) => ({ name: e.name, active: Math.round(v[i]), total: e.mask.size })),
      this.pruned,
      0,
    );
    this.pruned = 0;
    return this.spec.extraReport ? { ...r, ...this.spec.extraReport(this) } : r;
  }

  getState(): LearnerState {
    const tensors = new Map([...this.masks()].map(([name, mask]) => [`mask/${name}`, mask]));
    for (const [key, t] of this.companion?.getState?.() ?? []) tensors.set(`companion/${key}`, t);
    return {
      json: {
        learner: this.name,
        options: this.options,
        endStep: this.endStep,
        pruned: this.pruned,
        lastStep: this.lastStep,
      },
      tensors,
    };
  }

  setState(state: LearnerState): void {
    const name = this.name;
    if (state.json.learner !== undefined && state.json.learner !== name)
      throw new Error(`${name}: the saved learner state is for "${state.json.learner}"`);
    for (const e of this.entries) {
      const t = state.tensors.get(`mask/${e.name}`);
      if (!t) throw new Error(`${name}: the saved learner state has no tensor "mask/${e.name}"`);
      if (t.shape.join(',') !== e.mask.shape.join(','))
        throw new Error(`${name}: saved mask "${e.name}" has shape [${t.shape}], expected [${e.mask.shape}]`);
      e.mask.assign(t);
      e.active = Math.round(tf.tidy(() => tf.sum(e.mask).dataSync()[0]));
    }
    // the schedule of the original run continues, even if the resumed run has another length
    this.endStep = Number(state.json.endStep ?? this.endStep);
    this.pruned = Number(state.json.pruned ?? 0);
    this.lastStep = Number(state.json.lastStep ?? 0);
    const prefix = 'companion/';
    const own = [...state.tensors].filter(([k]) => k.startsWith(prefix));
    this.companion?.setState?.(new Map(own.map(([k, t]) => [k.slice(prefix.length), t])));
  }

  dispose(): void {
    for (const e of this.entries) e.mask.dispose();
    this.entries = [];
    tf.dispose([...this.grads.values()]);
    this.grads.clear();
    this.companion?.dispose?.();
    this.companion = undefined;
  }
}
