import type { SpikingModel, StepInfo } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { buildReport } from './connectivity.js';
import type { AttachContext, LearnerReport, LearnerState, StructureLearner } from './contract.js';
import { LearnerOptionError, OptionReader } from './options.js';
import { ownVariable } from './theta.js';

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

/** Zhu & Gupta (2017): s_t = s_f + (s_i − s_f)·(1 − (t − t₀)/(t_end − t₀))³, clamped to [t₀, t_end]. */
export function cubicSparsity(
  step: number,
  o: { initialSparsity: number; targetSparsity: number; startStep: number; endStep: number },
): number {
  if (step <= o.startStep) return o.initialSparsity;
  if (step >= o.endStep) return o.targetSparsity;
  const f = 1 - (step - o.startStep) / (o.endStep - o.startStep);
  return o.targetSparsity + (o.initialSparsity - o.targetSparsity) * f ** 3;
}

/** k-th smallest value (0-based) of `values` (sorted copy; pruning steps are rare). */
function kthSmallest(values: Float32Array, k: number): number {
  const sorted = Float32Array.from(values).sort();
  return sorted[Math.min(Math.max(k, 0), sorted.length - 1)];
}

interface MaskEntry {
  name: string;
  w: tf.Variable;
  mask: tf.Variable;
}

/**
 * Gradual magnitude pruning: the weights stay in the main optimizer; every `frequency` steps the
 * smallest-magnitude weights are masked to reach the cubic schedule's sparsity, and after every
 * optimizer step the masks are re-applied. Pruned weights never return (regrown is always 0).
 */
export class MagnitudePruning implements StructureLearner {
  readonly name = 'magnitude';
  readonly options: {
    targetSparsity: number;
    initialSparsity: number;
    scope: 'global' | 'per-layer';
    startStep: number;
    endStep?: number;
    frequency: number;
  };
  private entries: MaskEntry[] = [];
  /** Step at which the schedule reaches its final sparsity. */
  protected endStep = 0;
  private pruned = 0;
  private lastStep = 0;

  constructor(options: MagnitudeOptions = {}) {
    const r = new OptionReader('magnitude', options as Record<string, unknown>, [
      'targetSparsity',
      'initialSparsity',
      'scope',
      'startStep',
      'endStep',
      'frequency',
    ]);
    const targetSparsity = r.number('targetSparsity', 0.95, { min: 0 });
    if (!(targetSparsity < 1))
      throw new LearnerOptionError(
        'magnitude',
        `option "targetSparsity" must be in [0, 1), got ${targetSparsity}`,
      );
    const initialSparsity = r.number('initialSparsity', 0, { min: 0, max: targetSparsity });
    this.options = {
      targetSparsity,
      initialSparsity,
      scope: r.choice('scope', ['global', 'per-layer'] as const, 'global'),
      startStep: r.number('startStep', 0, { integer: true, min: 0 }),
      endStep: r.optionalNumber('endStep', { integer: true, min: 1 }),
      frequency: r.number('frequency', 100, { integer: true, min: 1 }),
    };
  }

  attach(model: SpikingModel, ctx: AttachContext): void {
    if (this.entries.length) throw new Error('magnitude: already attached to a model');
    const end = this.options.endStep ?? ctx.totalSteps;
    if (end === undefined)
      throw new LearnerOptionError(
        'magnitude',
        'needs option "endStep" (or a host that knows the total steps)',
      );
    if (!(end > this.options.startStep))
      throw new LearnerOptionError(
        'magnitude',
        `endStep ${end} must be after startStep ${this.options.startStep}`,
      );
    this.endStep = end;
    for (const [name, w] of model.prunableWeights())
      this.entries.push({ name, w, mask: ownVariable(tf.onesLike(w)) });
  }

  /** Sparsity the schedule asks for at `step`. */
  sparsityAt(step: number): number {
    return cubicSparsity(step, { ...this.options, endStep: this.endStep });
  }

  afterStep(info: StepInfo): void {
    this.lastStep = info.step;
    const t = info.step - this.options.startStep;
    const due =
      info.step >= this.options.startStep && (t % this.options.frequency === 0 || info.step === this.endStep);
    if (due && info.step <= this.endStep) this.prune(this.sparsityAt(info.step));
    this.applyMasks();
  }

  /** Zeroes the masked weights (the optimizer may have moved them). */
  protected applyMasks(): void {
    tf.tidy(() => {
      for (const e of this.entries) e.w.assign(tf.mul(e.w, e.mask));
    });
  }

  /** The current 0/1 mask of every prunable weight, by parameter name (live tensors, not copies). */
  protected masks(): Map<string, tf.Tensor> {
    return new Map(this.entries.map((e) => [e.name, e.mask as tf.Tensor]));
  }

  /** Masks the smallest |w| so that `sparsity` of the weights (globally or per layer) are zero. */
  prune(sparsity: number): void {
    const mags = this.entries.map((e) =>
      tf.tidy(() => tf.abs(tf.mul(e.w, e.mask)).dataSync() as Float32Array),
    );
    const thresholds: number[] = [];
    if (this.options.scope === 'global') {
      const total = mags.reduce((a, m) => a + m.length, 0);
      const all = new Float32Array(total);
      let at = 0;
      for (const m of mags) {
        all.set(m, at);
        at += m.length;
      }
      const k = Math.floor(sparsity * total);
      const th = k > 0 ? kthSmallest(all, k - 1) : -1;
      for (let i = 0; i < mags.length; i++) thresholds.push(th);
    } else {
      for (const m of mags) {
        const k = Math.floor(sparsity * m.length);
        thresholds.push(k > 0 ? kthSmallest(m, k - 1) : -1);
      }
    }
    this.entries.forEach((e, i) => {
      const m = mags[i];
      // exactly floor(s·n) per layer/globally would need tie-breaking; |w| ≤ threshold is the usual rule
      const mask = new Float32Array(m.length);
      let before = 0;
      let after = 0;
      const old = e.mask.dataSync();
      for (let j = 0; j < m.length; j++) {
        if (old[j] > 0) before++;
        if (old[j] > 0 && m[j] > thresholds[i]) {
          mask[j] = 1;
          after++;
        }
      }
      this.pruned += before - after;
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
    return r;
  }

  getState(): LearnerState {
    return {
      json: {
        learner: this.name,
        options: this.options,
        endStep: this.endStep,
        pruned: this.pruned,
        lastStep: this.lastStep,
      },
      tensors: new Map([...this.masks()].map(([name, mask]) => [`mask/${name}`, mask])),
    };
  }

  setState(state: LearnerState): void {
    if (state.json.learner !== undefined && state.json.learner !== this.name)
      throw new Error(`magnitude: the saved learner state is for "${state.json.learner}"`);
    for (const e of this.entries) {
      const t = state.tensors.get(`mask/${e.name}`);
      if (!t) throw new Error(`magnitude: the saved learner state has no tensor "mask/${e.name}"`);
      if (t.shape.join(',') !== e.mask.shape.join(','))
        throw new Error(
          `magnitude: saved mask "${e.name}" has shape [${t.shape}], expected [${e.mask.shape}]`,
        );
      e.mask.assign(t);
    }
    // the schedule of the original run continues, even if the resumed run has another length
    this.endStep = Number(state.json.endStep ?? this.endStep);
    this.pruned = Number(state.json.pruned ?? 0);
    this.lastStep = Number(state.json.lastStep ?? 0);
  }

  dispose(): void {
    for (const e of this.entries) e.mask.dispose();
    this.entries = [];
  }
}
