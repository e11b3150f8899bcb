import { type BatchNormValues, foldBatchNorm } from '../fold.js';
import type { NirNode } from '../graph.js';
import { product } from '../layout.js';
import { type ImportContext, pushLayer } from './context.js';
import { metadataFloats } from './metadata.js';
import { param } from './params.js';

export type BatchNormFull = BatchNormValues & { type: string; momentum: number };
type BatchNormType = 'BatchNorm1d' | 'BatchNorm2d';

export const ones = (n: number) => new Float32Array(n).fill(1);

const EPS = 1e-5;
/**
 * A BatchNorm computing s·x + t: mean 0 and variance 1 − ε, which in float32 makes √(var + ε) exactly 1
 * (for the default ε), so γ = s and β = t pass through unchanged.
 */
export function affineBatchNorm(scale: Float32Array, shift: Float32Array): BatchNormFull {
  const c = scale.length;
  return {
    gamma: scale,
    beta: shift,
    mean: new Float32Array(c),
    variance: new Float32Array(c).fill(Math.fround(1 - EPS)),
    eps: EPS,
    type: 'BatchNorm2d',
    momentum: 0.1,
  };
}

/**
 * A BatchNorm that synaptogen exported on its own (a diagonal 1×1 Conv2d or Affine, see
 * `standaloneBatchNormNode`) and whose metadata folds to exactly its weights: pushed as the
 * BatchNorm. False for any other node.
 */
export function standaloneBatchNorm(
  ctx: ImportContext,
  name: string,
  node: NirNode,
  type: BatchNormType,
): boolean {
  if (node.metadata.synaptogen_layer !== type) return false;
  const c = ctx.shape[0];
  const affine = perChannelAffine(ctx, name, node, c);
  if (!affine) return false;
  const restored = restoreBatchNorm(ctx, name, node, affine.scale, affine.shift, [c], ones(c));
  if (!restored) return false;
  pushBatchNorm(ctx, name, restored.bn, type);
  return true;
}

/** s and t of a node computing s·x + t per channel (a diagonal weight), or null. */
export function perChannelAffine(
  ctx: ImportContext,
  name: string,
  node: NirNode,
  c: number,
): { scale: Float32Array; shift: Float32Array } | null {
  const w = param(ctx, name, node, 'weight');
  const square = w.shape[0] === c && w.shape[1] === c && product(w.shape) === c * c;
  if (!square) return null;
  const scale = new Float32Array(c);
  for (let i = 0; i < c; i++)
    for (let j = 0; j < c; j++) {
      const v = w.data[i * c + j];
      if (i === j) scale[i] = v;
      else if (v !== 0) return null;
    }
  const b = node.params.bias === undefined ? null : param(ctx, name, node, 'bias');
  if (b && product(b.shape) !== c) return null;
  return { scale, shift: b ? Float32Array.from(b.data) : new Float32Array(c) };
}

/**
 * When a node carries synaptogen's unfolded BatchNorm and folding it gives exactly the node's
 * weights, returns the unfolded parts (so that re-import is bit-identical); otherwise null and the
 * folded weights are used as they are.
 */
export function restoreBatchNorm(
  ctx: ImportContext,
  name: string,
  node: NirNode,
  weight: Float32Array,
  bias: Float32Array | null,
  shape: number[],
  /** The weight before folding when the metadata does not carry it (a standalone BatchNorm: ones). */
  unfolded?: Float32Array,
): {
  weight: Float32Array;
  bias: Float32Array | null;
  bn: BatchNormFull;
} | null {
  const m = node.metadata;
  if (typeof m.synaptogen_batchnorm !== 'string') return null;
  let info: { eps: number; momentum: number; type: string };
  try {
    info = JSON.parse(m.synaptogen_batchnorm);
  } catch {
    return null;
  }
  const arr = (k: string) => metadataFloats(m[k]);
  const raw = unfolded ?? arr('synaptogen_weight');
  const gamma = arr('synaptogen_bn_weight');
  const beta = arr('synaptogen_bn_bias');
  const mean = arr('synaptogen_bn_running_mean');
  const variance = arr('synaptogen_bn_running_var');
  if (
    !raw ||
    !gamma ||
    !beta ||
    !mean ||
    !variance ||
    raw.length !== product(shape) ||
    gamma.length !== shape[0]
  )
    return null;
  const rawBias = arr('synaptogen_bias');
  const bn = { gamma, beta, mean, variance, eps: info.eps };
  const folded = foldBatchNorm(raw, rawBias, bn);
  const same = (a: Float32Array, b: Float32Array | null) =>
    b !== null && a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || v === b[i]);
  if (!same(folded.weight, weight) || !same(folded.bias, bias)) {
    ctx.mapping.push(
      `${name}: synaptogen BatchNorm metadata does not match the weights (edited elsewhere?); using the folded weights`,
    );
    return null;
  }
  return { weight: raw, bias: rawBias, bn: { ...bn, type: info.type, momentum: info.momentum } };
}

/** Appends a BatchNorm layer restored from node `name`'s metadata. */
export function pushBatchNorm(
  ctx: ImportContext,
  name: string,
  bn: BatchNormValues & { momentum: number },
  type: BatchNormType,
) {
  const i = pushLayer(
    ctx,
    name,
    { type, eps: bn.eps, momentum: bn.momentum },
    `${type} (unfolded from metadata)`,
  );
  setBatchNorm(ctx, `body.${i}`, bn);
}

/** The four tensors of the BatchNorm at state path `at`. */
export function setBatchNorm(ctx: ImportContext, at: string, bn: BatchNormValues) {
  const n = bn.gamma.length;
  ctx.tensors.set(`${at}.weight`, { data: bn.gamma, shape: [n] });
  ctx.tensors.set(`${at}.bias`, { data: bn.beta, shape: [n] });
  ctx.tensors.set(`${at}.runningMean`, { data: bn.mean, shape: [n] });
  ctx.tensors.set(`${at}.runningVar`, { data: bn.variance, shape: [n] });
}
