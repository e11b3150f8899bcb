import type { ChannelGroup } from '@synaptogen/nn/models';
import type { Optimizer } from '@synaptogen/nn/optim';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The parameters a channel mask applies to, by parameter name: the conv filters (`[kh, kw, in, out]`),
 * its bias if any, and the BN scale γ and shift β. The channel is the last axis of all of them, so a
 * `[C]` mask broadcasts over each.
 */
export function maskedParameterNames(group: ChannelGroup): string[] {
  const names = [`${group.convPath}.weight`, `${group.bnPath}.weight`, `${group.bnPath}.bias`];
  if (group.conv.bias) names.push(`${group.convPath}.bias`);
  return names;
}

/** `'all'`: conv filter, bias and BN γ, β; `'bn'`: γ and β only (the channel's output is 0 all the same). */
export type MaskScope = 'all' | 'bn';

function variablesOf(group: ChannelGroup, scope: MaskScope = 'all'): tf.Variable[] {
  if (scope === 'bn') return [group.bn.weight, group.bn.bias];
  const vars = [group.conv.weight, group.bn.weight, group.bn.bias];
  if (group.conv.bias) vars.push(group.conv.bias);
  return vars;
}

/**
 * Zeroes conv filter c, its bias, and BN γ_c, β_c of every masked channel c (mask 0); with scope
 * `'bn'` only γ_c and β_c, which silences the channel as well (BN output γ·x̂ + β = 0) but keeps its
 * filter, so that ∂L/∂γ_c = Σ dy·x̂ stays informative (the regrowable mode).
 */
export function applyChannelMasks(
  groups: readonly ChannelGroup[],
  masks: readonly Uint8Array[],
  scope: MaskScope = 'all',
): void {
  tf.tidy(() => {
    groups.forEach((g, i) => {
      if (masks[i].every((m) => m === 1)) return;
      const m = tf.tensor1d(Float32Array.from(masks[i]));
      for (const v of variablesOf(g, scope)) v.assign(tf.mul(v, m));
    });
  });
}

/**
 * Moves the filters of masked channels out of the model (returned, one tensor per group, zero on
 * active channels; null where nothing is masked) and zeroes them there, so that evaluation,
 * checkpoints and connectivity see the pruned network. `restoreFilters` puts them back.
 */
export function parkFilters(
  groups: readonly ChannelGroup[],
  masks: readonly Uint8Array[],
): (tf.Tensor | null)[] {
  return groups.map((g, i) => {
    if (masks[i].every((m) => m === 1)) return null;
    return tf.tidy(() => {
      const keep = tf.tensor1d(Float32Array.from(masks[i]));
      const parked = tf.mul(g.conv.weight, tf.sub(1, keep));
      g.conv.weight.assign(tf.mul(g.conv.weight, keep));
      return parked;
    });
  });
}

/** Adds filters from `parkFilters` back (their channels are zero in the model meanwhile) and disposes them. */
export function restoreFilters(groups: readonly ChannelGroup[], parked: readonly (tf.Tensor | null)[]): void {
  groups.forEach((g, i) => {
    const p = parked[i];
    if (!p) return;
    tf.tidy(() => g.conv.weight.assign(tf.add(g.conv.weight, p)));
    p.dispose();
  });
}

/**
 * Masked copies of the gradients of masked channels (the hard mode's "masked channels do not
 * learn"); returns the new tensors, which the caller disposes after the optimizer step.
 */
export function maskGradients(
  grads: Map<string, tf.Tensor>,
  groups: readonly ChannelGroup[],
  masks: readonly Uint8Array[],
): tf.Tensor[] {
  const created: tf.Tensor[] = [];
  groups.forEach((g, i) => {
    if (masks[i].every((m) => m === 1)) return;
    const m = tf.tensor1d(Float32Array.from(masks[i]));
    for (const name of maskedParameterNames(g)) {
      const grad = grads.get(name);
      if (!grad) continue;
      const masked = tf.mul(grad, m);
      grads.set(name, masked);
      created.push(masked);
    }
    m.dispose();
  });
  return created;
}

/** Slot variables (momentum, Adam moments) of an optimizer, when it exposes them as SGD and Adam do. */
function optimizerSlots(optimizer: Optimizer): [string, tf.Variable][] {
  const slots = (optimizer as Optimizer & { slots?: { entries(): [string, tf.Variable][] } }).slots;
  return typeof slots?.entries === 'function' ? slots.entries() : [];
}

/**
 * Zeroes the optimizer moments of masked channels, so that a channel regrown later starts without
 * stale momentum. Returns how many slot tensors were touched.
 */
export function clearMaskedMoments(
  optimizer: Optimizer,
  groups: readonly ChannelGroup[],
  masks: readonly Uint8Array[],
): number {
  const maskByName = new Map<string, Uint8Array>();
  groups.forEach((g, i) => {
    for (const name of maskedParameterNames(g)) maskByName.set(name, masks[i]);
  });
  let touched = 0;
  tf.tidy(() => {
    for (const [key, slot] of optimizerSlots(optimizer)) {
      const name = key.slice(key.indexOf('/') + 1);
      const mask = maskByName.get(name);
      if (!mask || mask.every((m) => m === 1)) continue;
      slot.assign(tf.mul(slot, tf.tensor1d(Float32Array.from(mask))));
      touched++;
    }
  });
  return touched;
}
