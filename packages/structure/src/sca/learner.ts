import {
  type ChannelGroup,
  channelGroups,
  type EpochInfo,
  type Optimizer,
  type SpikingModel,
  type StepInfo,
} from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { measureConnectivity } from '../connectivity.js';
import type { AttachContext, LearnerReport, LearnerState, StructureLearner } from '../contract.js';
import { LearnerOptionError, OptionReader } from '../options.js';
import { applyChannelMasks, clearMaskedMoments, maskGradients } from './masks.js';
import { ActivityMonitor } from './monitor.js';
import { getChannelScore, listChannelScores } from './scores.js';
import { selectChannels } from './select.js';

export type MaskMode = 'soft' | 'hard';

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
   * their optimizer moments are cleared.
   */
  maskMode?: MaskMode;
  /** Epochs between structure updates (default 1). */
  pruneInterval?: number;
  /** Epochs of dense training before the first update (default 0). */
  warmup?: number;
  /** Channels each layer keeps whatever the global ranking says (default 1). */
  minChannels?: number;
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
  private updates = 0;
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
      maskMode: r.choice('maskMode', ['soft', 'hard'] as const, 'soft'),
      pruneInterval: r.number('pruneInterval', 1, { min: 1, integer: true }),
      warmup: r.number('warmup', 0, { min: 0, integer: true }),
      minChannels: r.number('minChannels', 1, { min: 0, integer: true }),
    };
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
    this.monitor = new ActivityMonitor(this.groups, getChannelScore(this.options.score).fn).start();
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
    this.groups.forEach((g, i) => {
      const grad = grads.get(`${g.bnPath}.weight`);
      if (!grad) return;
      this.gammaGrads[i]?.dispose();
      this.gammaGrads[i] = tf.abs(grad);
    });
    if (this.options.maskMode === 'hard' && this.updates > 0)
      this.tempGrads = maskGradients(grads as Map<string, tf.Tensor>, this.groups, this.masks);
  }

  afterStep(_info: StepInfo): void {
    this.monitor?.flush();
    tf.dispose(this.tempGrads);
    this.tempGrads = [];
    if (this.options.maskMode === 'hard' && this.updates > 0) applyChannelMasks(this.groups, this.masks);
  }

  /** Whether the epoch with 0-based index `epoch` ends with a structure update. */
  updatesAfter(epoch: number): boolean {
    const done = epoch + 1 - this.options.warmup;
    return done > 0 && done % this.options.pruneInterval === 0;
  }

  endEpoch(info: EpochInfo): void {
    if (!this.monitor) throw new Error('sca: endEpoch before attach');
    if (this.updatesAfter(info.epoch)) this.update();
    else if (info.epoch + 1 <= this.options.warmup) this.monitor.reset();
    else if (this.options.maskMode === 'soft' && this.updates > 0) applyChannelMasks(this.groups, this.masks);
    const counts = this.channelCounts();
    info.metrics.channelsKept = counts.kept / counts.total;
    info.metrics.channels = counts.perLayer;
  }

  /** One structure update from the scores gathered since the last one (also callable directly). */
  update(): void {
    if (!this.monitor) throw new Error('sca: update before attach');
    const scores = this.monitor.scores();
    const gammaGrads = this.groups.map(
      (g, i) => (this.gammaGrads[i]?.dataSync() as Float32Array | undefined) ?? new Float32Array(g.channels),
    );
    const sel = selectChannels({
      scores,
      gammaGrads,
      sparsity: this.options.sparsity,
      regrow: this.options.regrow,
      minPerLayer: this.options.minChannels,
    });
    sel.masks.forEach((next, i) => {
      const fanIn = this.groups[i].conv.weight.size / this.groups[i].channels;
      next.forEach((m, c) => {
        const before = this.masks[i][c];
        if (before === 1 && m === 0) {
          this.prunedChannelsSince++;
          this.prunedSince += fanIn;
        } else if (before === 0 && m === 1) {
          this.regrownChannelsSince++;
          this.regrownSince += fanIn;
        }
      });
    });
    this.masks = sel.masks;
    applyChannelMasks(this.groups, this.masks);
    if (this.options.maskMode === 'hard' && this.optimizer)
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
    return {
      json: {
        learner: NAME,
        options: this.options,
        groups: this.groups.map((g) => g.convPath),
        masks: this.masks.map((m) => Array.from(m)),
        updates: this.updates,
        scoreBatches: batches,
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
  }

  dispose(): void {
    this.releaseTensors();
    this.model = null;
    this.groups = [];
    this.optimizer = null;
  }
}
