import type { NirNode } from '../graph.js';
import { chwToHwc, product } from '../layout.js';
import { pushBatchNorm, restoreBatchNorm, standaloneBatchNorm } from './batch-norm.js';
import { graphError, type ImportContext, pushLayer, unsupported } from './context.js';
import { intArray, pair, param, square } from './params.js';

/** A Conv2d node's parameters, checked against the current input shape. */
export function convParts(ctx: ImportContext, name: string, node: NirNode) {
  const w = param(ctx, name, node, 'weight');
  if (w.shape.length !== 4)
    graphError(ctx, name, `(Conv2d) weight of shape [${w.shape}]; expected [out, in, kh, kw]`);
  const [cout, cin, kh, kw] = w.shape;
  const groups = node.params.groups === undefined ? 1 : intArray(ctx, name, node, 'groups')[0];
  if (groups !== 1) unsupported(ctx, name, `(Conv2d) groups = ${groups}; only groups = 1 is supported`);
  if (ctx.shape.length !== 3)
    graphError(ctx, name, `(Conv2d) needs an input [C, H, W], node "${ctx.from}" gives [${ctx.shape}]`);
  const [c, h, wd] = ctx.shape;
  if (c !== cin)
    graphError(ctx, name, `(Conv2d) weight expects ${cin} input channels, node "${ctx.from}" gives ${c}`);
  if (node.params.input_shape !== undefined) {
    const s = intArray(ctx, name, node, 'input_shape');
    if (s.join() !== [h, wd].join())
      graphError(ctx, name, `(Conv2d) input_shape [${s}] but node "${ctx.from}" gives [${h}, ${wd}]`);
  }
  const k = square(ctx, name, node, 'kernel', [kh, kw]);
  const stride = square(ctx, name, node, 'stride', pair(ctx, name, node, 'stride', 1));
  const padding = square(ctx, name, node, 'padding', pair(ctx, name, node, 'padding', 0));
  const dilation = square(ctx, name, node, 'dilation', pair(ctx, name, node, 'dilation', 1));
  if (dilation !== 1) unsupported(ctx, name, `(Conv2d) dilation ${dilation}; only 1 is supported`);
  const biasArr = node.params.bias === undefined ? null : param(ctx, name, node, 'bias');
  if (biasArr && product(biasArr.shape) !== cout)
    graphError(ctx, name, `(Conv2d) bias has ${product(biasArr.shape)} values for ${cout} channels`);
  const o = (n: number) => Math.floor((n + 2 * padding - k) / stride) + 1;
  const outShape = [cout, o(h), o(wd)];
  if (outShape.some((d) => d < 1)) graphError(ctx, name, `(Conv2d) output [${outShape}] is empty`);
  return {
    weight: Float32Array.from(w.data),
    shape: [cout, cin, kh, kw],
    /** As stored (zeros included), or null when the node has none. */
    storedBias: biasArr ? Float32Array.from(biasArr.data) : null,
    /** Null when absent or all zeros. */
    bias: biasArr?.data.some((v) => v !== 0) ? Float32Array.from(biasArr.data) : null,
    cin,
    cout,
    k,
    stride,
    padding,
    outShape,
  };
}

/** A Conv2d node: a Conv2d layer (then its BatchNorm, when synaptogen's metadata restores one). */
export function importConv(ctx: ImportContext, name: string, node: NirNode) {
  if (standaloneBatchNorm(ctx, name, node, 'BatchNorm2d')) return;
  const p = convParts(ctx, name, node);
  const { cin, cout, k, stride, padding } = p;
  const restored = restoreBatchNorm(ctx, name, node, p.weight, p.storedBias, p.shape);
  const hasBias = restored ? restored.bias !== null : p.bias !== null;
  const i = pushLayer(
    ctx,
    name,
    { type: 'Conv2d', outChannels: cout, kernelSize: k, stride, padding, bias: hasBias },
    `Conv2d(${cin}→${cout}, k${k} s${stride} p${padding})`,
  );
  ctx.tensors.set(`body.${i}.weight`, {
    data: chwToHwc(restored?.weight ?? p.weight, p.shape),
    shape: [k, k, cin, cout],
  });
  const b = restored ? restored.bias : p.bias;
  if (b) ctx.tensors.set(`body.${i}.bias`, { data: b, shape: [cout] });
  if (restored) pushBatchNorm(ctx, name, restored.bn, 'BatchNorm2d');
  ctx.shape = p.outShape;
  ctx.spikes = false;
}
