import type { SpikingModel } from '@synaptogen/nn';
import { buildModel, type ChannelGroup, channelGroups } from '@synaptogen/nn/models';
import * as tf from '@tensorflow/tfjs-core';

export interface CompactOptions {
  /**
   * Channels to keep per group (1 = keep), in `channelGroups()` order. Default: every channel whose BN
   * γ and β are not both exactly zero (a masked channel's BN output is 0, so its neuron never fires).
   */
  keep?: readonly ArrayLike<number>[];
}

export interface CompactionResult {
  /** The smaller dense model (a new model; the input model is left as it was). */
  model: SpikingModel;
  /** Per conv (module path): channels before and after. */
  channels: Record<string, { before: number; after: number }>;
  parametersBefore: number;
  parametersAfter: number;
}

/** Channels of a group that carry signal: BN γ_c ≠ 0 or β_c ≠ 0. */
export function liveChannels(group: ChannelGroup): Uint8Array {
  const gamma = group.bn.weight.dataSync();
  const beta = group.bn.bias.dataSync();
  return Uint8Array.from(gamma, (g, c) => (g !== 0 || beta[c] !== 0 ? 1 : 0));
}

const countParameters = (m: SpikingModel) =>
  m.namedParameters().reduce((a, [, v]) => a + (v.trainable ? v.size : 0), 0);

/**
 * Physically removes masked channels: the conv's out-channels (filters, bias), the BN entries (γ, β,
 * running statistics), and the consumer's inputs — the next conv's in-channels, or the rows of the
 * first Linear after a Flatten (NHWC order: feature p·C + c). The result is a dense model of the
 * same zoo architecture with per-conv widths in `config.extra.channels`, whose outputs equal the
 * masked model's: removed channels only ever contributed exact zeros.
 */
export function compactModel(model: SpikingModel, options: CompactOptions = {}): CompactionResult {
  const groups = channelGroups(model);
  if (options.keep && options.keep.length !== groups.length)
    throw new Error(`compactModel: ${options.keep.length} keep masks for ${groups.length} channel groups`);
  /** Gathers per parameter/buffer name: [axis, indices]. */
  const gathers = new Map<string, [number, number[]][]>();
  const add = (name: string, axis: number, idx: number[]) => {
    gathers.set(name, [...(gathers.get(name) ?? []), [axis, idx]]);
  };
  const overrides: Record<string, number> = {
    ...((model.config.extra?.channels as Record<string, number> | undefined) ?? {}),
  };
  const channels: CompactionResult['channels'] = {};
  for (const [gi, g] of groups.entries()) {
    const node = g.neuron.node;
    if (!(node.vInit < node.vThreshold))
      throw new Error(
        `compactModel: ${g.neuronPath} starts at ${node.vInit} ≥ threshold ${node.vThreshold}, so a zero input can fire; its channels cannot be removed`,
      );
    const keep = options.keep ? Uint8Array.from(options.keep[gi]) : liveChannels(g);
    if (keep.length !== g.channels)
      throw new Error(
        `compactModel: keep mask of ${g.convPath} has ${keep.length} entries, expected ${g.channels}`,
      );
    let idx = [...keep.keys()].filter((c) => keep[c]);
    // a conv needs ≥ 1 output channel; a dead one keeps the shape valid and still outputs zeros
    if (!idx.length) idx = [0];
    channels[g.convPath] = { before: g.channels, after: idx.length };
    if (idx.length === g.channels) continue;
    overrides[g.convPath] = idx.length;
    add(`${g.convPath}.weight`, 3, idx);
    if (g.conv.bias) add(`${g.convPath}.bias`, 0, idx);
    for (const p of ['weight', 'bias', 'runningMean', 'runningVar']) add(`${g.bnPath}.${p}`, 0, idx);
    if (g.next.kind === 'conv') add(`${g.next.path}.weight`, 2, idx);
    else {
      const rows: number[] = [];
      for (let p = 0; p < g.next.positions; p++) for (const c of idx) rows.push(p * g.channels + c);
      add(`${g.next.path}.weight`, 0, rows);
    }
  }
  const compact = buildModel({
    ...model.config,
    extra: { ...(model.config.extra ?? {}), channels: overrides },
  });
  const source = new Map(model.stateTensors());
  tf.tidy(() => {
    for (const [name, target] of compact.stateTensors()) {
      const src = source.get(name);
      if (!src) throw new Error(`compactModel: the compacted model has "${name}", the source has not`);
      let t: tf.Tensor = src;
      for (const [axis, idx] of gathers.get(name) ?? []) t = tf.gather(t, tf.tensor1d(idx, 'int32'), axis);
      if (t.shape.join(',') !== target.shape.join(','))
        throw new Error(`compactModel: "${name}" is [${t.shape}] after removal, expected [${target.shape}]`);
      target.assign(t);
    }
  });
  compact.train(model.training);
  return {
    model: compact,
    channels,
    parametersBefore: countParameters(model),
    parametersAfter: countParameters(compact),
  };
}
