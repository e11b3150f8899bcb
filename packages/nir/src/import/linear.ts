import type { NirNode } from '../graph.js';
import { linearToNhwc, product } from '../layout.js';
import { pushBatchNorm, restoreBatchNorm, standaloneBatchNorm } from './batch-norm.js';
import { graphError, type ImportContext, pushLayer, unsupported } from './context.js';
import { num } from './metadata.js';
import { param } from './params.js';

/**
 * An Affine or Linear node: a Linear layer (with synaptogen's Dropout before and BatchNorm after when
 * its metadata has them), or a GroupAverage when the weights average groups of inputs.
 */
export function importLinear(ctx: ImportContext, name: string, node: NirNode) {
  if (ctx.shape.length === 1 && standaloneBatchNorm(ctx, name, node, 'BatchNorm1d')) {
    ctx.spikes = false;
    return;
  }
  const w = param(ctx, name, node, 'weight');
  if (w.shape.length !== 2)
    unsupported(ctx, name, `(${node.type}) weight of shape [${w.shape}]; expected [out, in]`);
  const [outF, inF] = w.shape;
  if (ctx.shape.length !== 1)
    graphError(
      ctx,
      name,
      `(${node.type}) needs a flat input of ${inF} features, node "${ctx.from}" gives [${ctx.shape}] (no Flatten?)`,
    );
  if (ctx.shape[0] !== inF)
    graphError(
      ctx,
      name,
      `(${node.type}) weight expects ${inF} input features, node "${ctx.from}" gives ${ctx.shape[0]}`,
    );
  const bias = node.type === 'Affine' ? param(ctx, name, node, 'bias') : null;
  if (bias && product(bias.shape) !== outF)
    graphError(ctx, name, `(Affine) bias has ${product(bias.shape)} values for ${outF} outputs`);
  const weight = Float32Array.from(w.data);
  const groupSize = groupAverage(weight, outF, inF);
  if (!bias && groupSize && !ctx.flattenedFrom) {
    pushLayer(ctx, name, { type: 'GroupAverage', groupSize }, `GroupAverage(${groupSize})`);
  } else {
    dropout(ctx, node);
    const restored = restoreBatchNorm(ctx, name, node, weight, bias ? Float32Array.from(bias.data) : null, [
      outF,
      inF,
    ]);
    const i = pushLayer(
      ctx,
      name,
      { type: 'Linear', outFeatures: outF, bias: restored ? restored.bias !== null : !!bias },
      `Linear(${inF}→${outF})`,
    );
    const raw = restored?.weight ?? weight;
    ctx.tensors.set(`body.${i}.weight`, {
      data: linearToNhwc(raw, inF, outF, ctx.flattenedFrom),
      shape: [inF, outF],
    });
    const b = restored ? restored.bias : bias ? Float32Array.from(bias.data) : null;
    if (b) ctx.tensors.set(`body.${i}.bias`, { data: b, shape: [outF] });
    if (restored) pushBatchNorm(ctx, name, restored.bn, 'BatchNorm1d');
  }
  ctx.shape = [outF];
  ctx.flattenedFrom = null;
  ctx.spikes = false;
}

/** The Dropout synaptogen exported in a Linear node's metadata, as a layer of the node before it. */
function dropout(ctx: ImportContext, node: NirNode) {
  const p = num(node.metadata.synaptogen_dropout_before);
  if (p !== undefined && p >= 0 && p < 1)
    pushLayer(ctx, ctx.from, { type: 'Dropout', p }, `Dropout(${p}) (from metadata)`);
}

/** g when `w` ([out, in]) averages consecutive groups of g inputs (exactly float32(1/g)), else 0. */
function groupAverage(w: Float32Array, outF: number, inF: number): number {
  if (inF % outF !== 0 || inF === outF) return 0;
  const g = inF / outF;
  const v = Math.fround(1 / g);
  for (let o = 0; o < outF; o++)
    for (let i = 0; i < inF; i++) if (w[o * inF + i] !== (Math.floor(i / g) === o ? v : 0)) return 0;
  return g;
}
