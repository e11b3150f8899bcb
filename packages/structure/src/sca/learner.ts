import type { SpikingModel, StepInfo } from '@synaptogen/nn';
import { type ChannelGroup, channelGroups } from '@synaptogen/nn/models';
import type { Optimizer } from '@synaptogen/nn/optim';
import type { EpochInfo } from '@synaptogen/nn/train';
import * as tf from '@tensorflow/tfjs-core';
import { measureConnectivity } from '../connectivity.js';
import type { AttachContext, LearnerReport, LearnerState, StructureLearner } from '../contract.js';
import { LearnerOptionError, OptionReader } from '../options.js';
import {
  applyChannelMasks,
  clearMaskedMoments,
  maskGradients,
  parkFilters,
  restoreFilters,
} from './masks.js';
import { ActivityMonitor } from './monitor.js';
import { StructureSchedule } from './schedule.js';
import { getChannelScore, listChannelScores } from './scores.js';
import { layerMinimum, selectChannels } from './select.js';

export type MaskMode = 'soft' | 'hard' | 'regrowable';

const MASK_MODES = ['soft', 'hard', 'regrowable'] as const;

export interface SCAOptions {
  /** Final channel sparsity p: fraction of conv channels masked (default 0.7, i.e. 30% kept). */
  sparsity?: number;
  /** Alias of `sparsity` (the name other learners use). */
  targetSparsity?: number;
  /** Regrowth ratio q: pruned to 1 − p − q by score, then q·N regrown by |∂L/∂γ| (default 0.1). */
  regrow?: number;
  /** Channel score: "activity" (s + |v|, the reference), "firing-rate", "pre-reset", or a registered plugin. */
  score?: string;
  /**
   * "soft" (the reference): masks applied once per structure update, pruned filters may drift back
   * and are re-scored; "hard": masks re-applied after every step, masked channels get no gradient and
   * their optimizer moments are cleared (a masked channel's ∂L/∂γ is then exactly 0, so regrowth
   * by gradient cannot see it); "regrowable": the hard mode with only BN γ, β masked during training
   * (the forward is the same: the channel outputs 0) and the filter kept, so ∂L/∂γ keeps ranking
   * masked channels for regrowth; a regrown channel gets back its γ, β and filter. Between epochs
   * the filters of masked channels are parked outside the model, so evaluation and checkpoints see
   * the pruned network.
   */
  maskMode?: MaskMode;
  /** Epochs between structure updates (default 1). */
  pruneInterval?: number;
  /** Epochs of dense training before the first update (default 0). */
  warmup?: number;
  /** Channels each layer keeps whatever the global ranking says (default 1). */
  minChannels?: number;
  /**
   * Per-layer minimum on top of `minChannels`: a fraction of the layer's channels (< 1, rounded up)
   * or a count (≥ 1). Default 0: the paper's purely global ranking.
   */
  minKeep?: number;
  /** Epochs after the warm-up over which the sparsity ramps linearly from 0 to p (default 0: p from the first update). */
  rampEpochs?: number;
  /**
   * Last epochs of the run trained with the structure frozen: no updates, masks enforced after every
   * step whatever the mask mode (default 0). Needs the run length (the host's `totalSteps`).
   */
  finetuneEpochs?: number;
}

/** Per-layer channel counts, keyed by the conv's module path. */
export type ChannelCounts = Record<string, { kept: number; total: number }>;

export interface SCAReport extends LearnerReport {
  /** Unmasked conv channels / all prunable conv channels. */
  channelsKept: number;
  channels: ChannelCounts;
  /** Channels masked and unmasked since the previous report (pruned/regrown count conv weights). */
  channelsPruned: number;
  channelsRegrown: number;
  maskMode: MaskMode;
  score: string;
  /** Sparsity the last update aimed at (below p on the ramp). */
  sparsityTarget: number;
  /** Whether training now runs with the structure frozen (fine-tuning). */
  frozen: boolean;
  /** Structure updates so far. */
  updates: number;
}

const NAME = 'sca';
const KEYS = [
  'sparsity',
  'targetSparsity',
  'regrow',
  'score',
  'maskMode',
  'pruneInterval',
  'warmup',
  'minChannels',
  'minKeep',
  'rampEpochs',
  'finetuneEpochs',
] as const;

/**
 * SCA (Li et al., ICML 2024): structured pruning during training from scratch. Each epoch the conv
 * channels are ranked globally by their spiking activity (epoch mean of s + |v|), the top
 * (1 − p − q)·N kept, q·N of the rest regrown by |∂L/∂γ| of their BatchNorm scale, and the filters
 * and BN γ/β of the masked ones zeroed. Works on every conv → BN → neuron group `channelGroups()`
 * finds (plain conv stacks and the inner conv of pre-activation blocks).
 */
export class SCA implements StructureLearner {
  readonly name = NAME;
  readonly options: Required<Omit<SCAOptions, 'targetSparsity'>>;
  private model: SpikingModel | null = null;
  private groups: ChannelGroup[] = [];
  private masks: Uint8Array[] = [];
  private monitor: ActivityMonitor | null = null;
  private gammaGrads: (tf.Tensor | null)[] = [];
  private tempGrads: tf.Tensor[] = [];
  private optimizer: Optimizer | null = null;
  private schedule: StructureSchedule;
  private totalSteps: number | undefined;
  /** Per-layer guaranteed channels (set on attach). */
  private minimums: number[] = [];
  /** Fine-tuning: the structure is frozen and enforced after every step. */
  private frozen = false;
  private sparsityTarget = 0;
  /** Regrowable mode: γ, β of masked channels at the time they were masked, restored on regrowth. */
  private shadowGamma: Float32Array[] = [];
  private shadowBeta: Float32Array[] = [];
  /** Regrowable mode: filters of masked channels parked outside the model between epochs. */
  private parked: (tf.Tensor | null)[] = [];
  private updates = 0;
  /** Whether the last endEpoch changed the structure (an update, or masks enforced on freezing). */
  private changed = false;
  private prunedSince = 0;
  private regrownSince = 0;
  private prunedChannelsSince = 0;
  private regrownChannelsSince = 0;

  constructor(options: SCAOptions | Record<string, unknown> = {}) {
    const r = new OptionReader(NAME, options as Record<string, unknown>, KEYS);
    const a = r.optionalNumber('sparsity', { min: 0, max: 1 });
    const b = r.optionalNumber('targetSparsity', { min: 0, max: 1 });
    if (a !== undefined && b !== undefined && a !== b)
      throw new LearnerOptionError(NAME, `"sparsity" (${a}) and "targetSparsity" (${b}) disagree; give one`);
    const sparsity = a ?? b ?? 0.7;
    const regrow = r.number('regrow', 0.1, { min: 0, max: 1 });
    if (sparsity + regrow > 1)
      throw new LearnerOptionError(
        NAME,
        `sparsity + regrow must be ≤ 1 (prune to 1 − sparsity − regrow), got ${sparsity} + ${regrow}`,
      );
    const score = (options as Record<string, unknown>).score ?? 'activity';
    if (typeof score !== 'string' || !listChannelScores().includes(score))
      throw new LearnerOptionError(
        NAME,
        `option "score" expects one of ${listChannelScores().join(', ')}, got ${JSON.stringify(score)}`,
      );
    this.options = {
      sparsity,
      regrow,
      score,
      maskMode: r.choice('maskMode', MASK_MODES, 'soft'),
      pruneInterval: r.number('pruneInterval', 1, { min: 1, integer: true }),
      warmup: r.number('warmup', 0, { min: 0, integer: true }),
      minChannels: r.number('minChannels', 1, { min: 0, integer: true }),
      minKeep: r.number('minKeep', 0, { min: 0 }),
      rampEpochs: r.number('rampEpochs', 0, { min: 0, integer: true }),
      finetuneEpochs: r.number('finetuneEpochs', 0, { min: 0, integer: true }),
    };
    if (this.options.minKeep >= 1 && !Number.isInteger(this.options.minKeep))
      throw new LearnerOptionError(
        NAME,
        `option "minKeep" expects a fraction in [0, 1) or a whole channel count ≥ 1, got ${this.options.minKeep}`,
      );
    this.schedule = new StructureSchedule(this.options);
    this.sparsityTarget = sparsity;
  }

  /** Puts filters parked by the regrowable mode back into the model. */
  private unpark(): void {
    if (!this.parked.some((p) => p)) return;
    restoreFilters(this.groups, this.parked);
    this.parked = this.groups.map(() => null);
  }

  /** Masks enforced after every step: the hard modes once pruning started, and every mode while frozen. */
  private enforcing(): boolean {
    return this.frozen || (this.options.maskMode !== 'soft' && this.updates > 0);
  }

  /** The regrowable mode keeps masked filters while training (only γ, β masked), except while frozen. */
  private get scope(): 'all' | 'bn' {
    return this.options.maskMode === 'regrowable' && !this.frozen ? 'bn' : 'all';
  }

  attach(model: SpikingModel, ctx?: AttachContext): void {
    this.releaseTensors();
    this.model = model;
    this.groups = channelGroups(model);
    if (!this.groups.length)
      throw new LearnerOptionError(
        NAME,
        `model "${model.config.name}" has no conv → BatchNorm → neuron channel groups to prune`,
      );
    this.masks = this.groups.map((g) => new Uint8Array(g.channels).fill(1));
    this.gammaGrads = this.groups.map(() => null);
    this.parked = this.groups.map(() => null);
    this.shadowGamma = this.groups.map((g) => new Float32Array(g.channels));
    this.shadowBeta = this.groups.map((g) => new Float32Array(g.channels));
    this.frozen = false;
    this.totalSteps = ctx?.totalSteps;
    if (this.options.finetuneEpochs > 0 && !this.totalSteps)
      throw new LearnerOptionError(
        NAME,
        `option "finetuneEpochs" needs the run length, but the host passed no totalSteps`,
      );
    this.minimums = this.groups.map((g) =>
      layerMinimum(g.channels, this.options.minKeep, this.options.minChannels),
    );
    const total = this.groups.reduce((a, g) => a + g.channels, 0);
    const guaranteed = this.minimums.reduce((a, b) => a + b, 0);
    const target = Math.round((1 - this.options.sparsity) * total);
    if (guaranteed > target)
      throw new LearnerOptionError(
        NAME,
        `option "minKeep" (${this.options.minKeep}) keeps at least ${guaranteed} of ${total} channels, more than the ${target} that sparsity ${this.options.sparsity} leaves`,
      );
    this.monitor = new ActivityMonitor(this.groups, getChannelScore(this.options.score)).start();
    const opt = (ctx as (AttachContext & { optimizer?: Optimizer }) | undefined)?.optimizer;
    if (opt) this.optimizer = opt;
  }

  /**
   * The optimizer whose moments the hard mode clears for masked channels (the attach context may
   * carry it as `optimizer`; without one, masked channels still get zero gradients).
   */
  setOptimizer(optimizer: Optimizer | null): void {
    this.optimizer = optimizer;
  }

  /** Current masks (1 = active), one per channel group in model order. */
  channelMasks(): Uint8Array[] {
    return this.masks.map((m) => m.slice());
  }

  channelGroups(): readonly ChannelGroup[] {
    return this.groups;
  }

  applyGradients(grads: ReadonlyMap<string, tf.Tensor>): void {
    // the filters parked at the last epoch's end come back (masked channels output 0 either way)
    this.unpark();
    this.groups.forEach((g, i) => {
      const grad = grads.get(`${g.bnPath}.weight`);
      if (!grad) return;
      this.gammaGrads[i]?.dispose();
      this.gammaGrads[i] = tf.abs(grad);
    });
    if (this.enforcing())
      this.tempGrads = maskGradients(grads as Map<string, tf.Tensor>, this.groups, this.masks);
  }

  afterStep(_info: StepInfo): void {
    this.monitor?.flush();
    tf.dispose(this.tempGrads);
    this.tempGrads = [];
    if (this.enforcing()) applyChannelMasks(this.groups, this.masks, this.scope);
  }

  /**
   * Whether the epoch with 0-based index `epoch` ends with a structure update; `totalEpochs` (the
   * run's length) matters only with fine-tuning epochs.
   */
  updatesAfter(epoch: number, totalEpochs?: number): boolean {
    return this.schedule.updatesAfter(epoch, totalEpochs);
  }

  endEpoch(info: EpochInfo): void {
    if (!this.monitor) throw new Error('sca: endEpoch before attach');
    const totalEpochs = StructureSchedule.totalEpochs(this.totalSteps, info.epoch, info.step);
    this.changed = this.updatesAfter(info.epoch, totalEpochs);
    if (this.changed) this.update(this.schedule.sparsityAfter(info.epoch));
    else if (info.epoch + 1 <= this.options.warmup) this.monitor.reset();
    // soft masks act only at updates: between them masked channels may drift back and are evaluated
    // as trained (re-zeroing them here, before evaluation, evaluated a network the optimizer never saw)
    if (!this.frozen && this.updates > 0 && this.schedule.frozen(info.epoch + 1, totalEpochs)) {
      this.frozen = true;
      this.changed = true;
      applyChannelMasks(this.groups, this.masks);
      if (this.optimizer) clearMaskedMoments(this.optimizer, this.groups, this.masks);
    }
    if (this.scope === 'bn' && this.updates > 0) {
      this.unpark();
      this.parked = parkFilters(this.groups, this.masks);
    }
    const counts = this.channelCounts();
    info.metrics.channelsKept = counts.kept / counts.total;
    info.metrics.channels = counts.perLayer;
  }

  /** True right after an epoch end that changed the structure (the host then recounts BatchNorm statistics if asked). */
  structureChanged(): boolean {
    return this.changed;
  }

  /**
   * One structure update from the scores gathered since the last one (also callable directly), to
   * `sparsity` (default: the final p).
   */
  update(sparsity = this.options.sparsity): void {
    if (!this.monitor) throw new Error('sca: update before attach');
    this.unpark();
    const scores = this.monitor.scores();
    const gammaGrads = this.groups.map(
      (g, i) => (this.gammaGrads[i]?.dataSync() as Float32Array | undefined) ?? new Float32Array(g.channels),
    );
    const sel = selectChannels({
      scores,
      gammaGrads,
      sparsity,
      regrow: Math.min(this.options.regrow, 1 - sparsity),
      minPerLayer: this.minimums,
    });
    const regrowable = this.options.maskMode === 'regrowable';
    const gamma = regrowable
      ? (this.groups.map((g) => g.bn.weight.dataSync().slice()) as Float32Array[])
      : [];
    const beta = regrowable ? (this.groups.map((g) => g.bn.bias.dataSync().slice()) as Float32Array[]) : [];
    sel.masks.forEach((next, i) => {
      const fanIn = this.groups[i].conv.weight.size / this.groups[i].channels;
      next.forEach((m, c) => {
        const before = this.masks[i][c];
        if (before === 1 && m === 0) {
          this.prunedChannelsSince++;
          this.prunedSince += fanIn;
          if (regrowable) {
            this.shadowGamma[i][c] = gamma[i][c];
            this.shadowBeta[i][c] = beta[i][c];
          }
        } else if (before === 0 && m === 1) {
          this.regrownChannelsSince++;
          this.regrownSince += fanIn;
          if (regrowable) {
            gamma[i][c] = this.shadowGamma[i][c];
            beta[i][c] = this.shadowBeta[i][c];
          }
        }
      });
    });
    if (regrowable)
      tf.tidy(() =>
        this.groups.forEach((g, i) => {
          g.bn.weight.assign(tf.tensor1d(gamma[i]));
          g.bn.bias.assign(tf.tensor1d(beta[i]));
        }),
      );
    this.masks = sel.masks;
    this.sparsityTarget = sparsity;
    applyChannelMasks(this.groups, this.masks, this.scope);
    if (this.options.maskMode !== 'soft' && this.optimizer)
      clearMaskedMoments(this.optimizer, this.groups, this.masks);
    this.monitor.reset();
    this.updates++;
  }

  private channelCounts() {
    const perLayer: ChannelCounts = {};
    let kept = 0;
    let total = 0;
    this.groups.forEach((g, i) => {
      const k = this.masks[i].reduce((a, b) => a + b, 0);
      perLayer[g.convPath] = { kept: k, total: g.channels };
      kept += k;
      total += g.channels;
    });
    return { kept, total, perLayer };
  }

  report(): SCAReport {
    if (!this.model) throw new Error('sca: report before attach');
    const conn = measureConnectivity(this.model.prunableWeights());
    const counts = this.channelCounts();
    const out: SCAReport = {
      ...conn,
      pruned: this.prunedSince,
      regrown: this.regrownSince,
      channelsKept: counts.kept / counts.total,
      channels: counts.perLayer,
      channelsPruned: this.prunedChannelsSince,
      channelsRegrown: this.regrownChannelsSince,
      maskMode: this.options.maskMode,
      score: this.options.score,
      sparsityTarget: this.sparsityTarget,
      frozen: this.frozen,
      updates: this.updates,
    };
    this.prunedSince = 0;
    this.regrownSince = 0;
    this.prunedChannelsSince = 0;
    this.regrownChannelsSince = 0;
    return out;
  }

  getState(): LearnerState {
    const tensors = new Map<string, tf.Tensor>();
    const { sums, batches } = this.monitor?.state() ?? { sums: [], batches: 0 };
    sums.forEach((s, i) => {
      if (s) tensors.set(`scores/${i}`, s);
    });
    this.gammaGrads.forEach((g, i) => {
      if (g) tensors.set(`gammaGrad/${i}`, g);
    });
    this.parked.forEach((p, i) => {
      if (p) tensors.set(`parked/${i}`, p);
    });
    return {
      json: {
        learner: NAME,
        options: this.options,
        groups: this.groups.map((g) => g.convPath),
        masks: this.masks.map((m) => Array.from(m)),
        updates: this.updates,
        scoreBatches: batches,
        frozen: this.frozen,
        sparsityTarget: this.sparsityTarget,
        shadowGamma: this.shadowGamma.map((s) => Array.from(s)),
        shadowBeta: this.shadowBeta.map((s) => Array.from(s)),
      },
      tensors,
    };
  }

  setState(state: LearnerState): void {
    if (!this.monitor) throw new Error('sca: setState before attach');
    const j = state.json as {
      groups?: string[];
      masks?: number[][];
      updates?: number;
      scoreBatches?: number;
      frozen?: boolean;
      sparsityTarget?: number;
      shadowGamma?: number[][];
      shadowBeta?: number[][];
    };
    const paths = this.groups.map((g) => g.convPath);
    if (!Array.isArray(j.masks) || JSON.stringify(j.groups) !== JSON.stringify(paths))
      throw new Error(
        `sca: saved state is for channel groups ${JSON.stringify(j.groups)}, this model has ${JSON.stringify(paths)}`,
      );
    j.masks.forEach((m, i) => {
      if (m.length !== this.groups[i].channels)
        throw new Error(
          `sca: saved mask of ${paths[i]} has ${m.length} channels, expected ${this.groups[i].channels}`,
        );
    });
    this.masks = j.masks.map((m) => Uint8Array.from(m));
    this.updates = j.updates ?? 0;
    this.frozen = j.frozen ?? false;
    this.sparsityTarget = j.sparsityTarget ?? this.options.sparsity;
    if (j.shadowGamma?.length === this.groups.length)
      this.shadowGamma = j.shadowGamma.map((s) => Float32Array.from(s));
    if (j.shadowBeta?.length === this.groups.length)
      this.shadowBeta = j.shadowBeta.map((s) => Float32Array.from(s));
    tf.dispose(this.parked.filter((p): p is tf.Tensor => p !== null));
    this.parked = this.groups.map((_, i) => state.tensors.get(`parked/${i}`)?.clone() ?? null);
    this.monitor.restore(
      this.groups.map((_, i) => state.tensors.get(`scores/${i}`) ?? null),
      j.scoreBatches ?? 0,
    );
    this.gammaGrads.forEach((g, i) => {
      g?.dispose();
      this.gammaGrads[i] = state.tensors.get(`gammaGrad/${i}`)?.clone() ?? null;
    });
  }

  private releaseTensors(): void {
    this.monitor?.dispose();
    this.monitor = null;
    tf.dispose(this.gammaGrads.filter((g): g is tf.Tensor => g !== null));
    this.gammaGrads = [];
    tf.dispose(this.tempGrads);
    this.tempGrads = [];
    tf.dispose(this.parked.filter((p): p is tf.Tensor => p !== null));
    this.parked = [];
  }

  dispose(): void {
    this.releaseTensors();
    this.model = null;
    this.groups = [];
    this.optimizer = null;
  }
}
