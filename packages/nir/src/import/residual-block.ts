import { chwToHwc, product } from '../layout.js';
import { affineBatchNorm, ones, perChannelAffine, restoreBatchNorm, setBatchNorm } from './batch-norm.js';
import { graphError, type ImportContext, pushLayer, unsupported } from './context.js';
import { convParts } from './conv.js';
import { neuronSpec } from './neuron.js';
import { importNode } from './node.js';
import type { ResidualBlockNodes } from './residual-match.js';

/**
 * A pre-activation residual block (see `matchResidualBlock`) as one `PreActBlock`: its BatchNorms
 * come back from synaptogen's metadata when they fold to exactly the node weights, else as the
 * per-channel affine the nodes compute (mean 0, variance 1 − ε).
 */
export function importResidualBlock(ctx: ImportContext, b: ResidualBlockNodes) {
  const node = (n: string) => ctx.graph.nodes.get(n)!;
  const fail = (n: string, msg: string): never =>
    unsupported(ctx, n, `(${node(n).type}) in the residual block after node "${b.input}": ${msg}`);
  const conv = (n: string, k: number, padding: number) => {
    if (node(n).type !== 'Conv2d') fail(n, `expected a Conv2d ${k}×${k}`);
    const p = convParts(ctx, n, node(n));
    if (p.k !== k || p.padding !== padding)
      fail(
        n,
        `kernel ${p.k}, padding ${p.padding}; a PreActBlock has ${k}×${k} convs with padding ${padding}`,
      );
    return p;
  };
  const neuron = (n: string) => {
    if (node(n).type !== 'IF' && node(n).type !== 'LIF') fail(n, 'expected an IF or LIF neuron');
    const out = neuronSpec(ctx, n, node(n));
    if (out.gain !== 1) fail(n, `input gain r = ${out.gain}; only r = 1 is imported inside a block`);
    return out;
  };
  if (ctx.shape.length !== 3)
    graphError(
      ctx,
      b.bn1,
      `a residual block needs an input [C, H, W], node "${ctx.from}" gives [${ctx.shape}]`,
    );
  const inShape = [...ctx.shape];
  const cin = inShape[0];

  const p1 = conv(b.bn1, 1, 0);
  const affine = p1.stride === 1 && p1.cout === cin ? perChannelAffine(ctx, b.bn1, node(b.bn1), cin) : null;
  if (!affine) fail(b.bn1, 'expected a 1×1 stride-1 Conv2d with a diagonal weight (the BatchNorm)');
  const { scale, shift } = affine as { scale: Float32Array; shift: Float32Array };
  const bn1 =
    restoreBatchNorm(ctx, b.bn1, node(b.bn1), scale, shift, [cin], ones(cin))?.bn ??
    affineBatchNorm(scale, shift);
  ctx.from = b.bn1;
  const sn1 = neuron(b.sn1);
  ctx.from = b.sn1;
  const c1 = conv(b.conv1, 3, 1);
  const restored = restoreBatchNorm(ctx, b.conv1, node(b.conv1), c1.weight, c1.storedBias, c1.shape);
  if (restored?.bias) fail(b.conv1, 'has a bias before its BatchNorm; a PreActBlock conv has none');
  const bn2 = restored?.bn ?? affineBatchNorm(ones(c1.cout), c1.storedBias ?? new Float32Array(c1.cout));
  ctx.shape = c1.outShape;
  ctx.from = b.conv1;
  const sn2 = neuron(b.sn2);
  if (JSON.stringify(sn2.spec) !== JSON.stringify(sn1.spec))
    fail(b.sn2, `differs from node "${b.sn1}"; the two neurons of a PreActBlock are alike`);
  ctx.from = b.sn2;
  const c2 = conv(b.conv2, 3, 1);
  if (c2.stride !== 1 || c2.bias) fail(b.conv2, 'expected stride 1 and no bias');
  let shortcut: Float32Array | null = null;
  if (b.shortcut) {
    ctx.shape = inShape;
    ctx.from = b.sn1;
    const sc = conv(b.shortcut, 1, 0);
    if (sc.stride !== c1.stride || sc.cout !== c2.cout || sc.bias)
      fail(b.shortcut, `expected stride ${c1.stride}, ${c2.cout} channels and no bias`);
    shortcut = chwToHwc(sc.weight, sc.shape);
  } else if (c2.outShape.join() !== inShape.join())
    fail(b.sum, `adds [${c2.outShape}] to the block input [${inShape}]; the shapes must agree`);

  const i = pushLayer(
    ctx,
    b.bn1,
    {
      type: 'PreActBlock',
      midChannels: c1.cout,
      outChannels: c2.cout,
      stride: c1.stride,
      neuron: sn1.spec,
    },
    `PreActBlock(${cin}→${c1.cout}→${c2.cout}, stride ${c1.stride})`,
  );
  const at = `body.${i}`;
  for (const [n, part] of [
    [b.sn1, 'sn1'],
    [b.conv1, 'conv1 (+ bn2)'],
    [b.sn2, 'sn2'],
    [b.conv2, 'conv2'],
    [b.shortcut, 'shortcut'],
  ] as const)
    if (n) ctx.mapping.push(`${n} (${node(n).type}) -> ${at}.${part}`);
  setBatchNorm(ctx, `${at}.bn1`, bn1);
  ctx.tensors.set(`${at}.conv1.weight`, {
    data: chwToHwc(restored?.weight ?? c1.weight, c1.shape),
    shape: [3, 3, cin, c1.cout],
  });
  setBatchNorm(ctx, `${at}.bn2`, bn2);
  ctx.tensors.set(`${at}.conv2.weight`, {
    data: chwToHwc(c2.weight, c2.shape),
    shape: [3, 3, c1.cout, c2.cout],
  });
  if (shortcut) ctx.tensors.set(`${at}.shortcut.weight`, { data: shortcut, shape: [1, 1, cin, c2.cout] });
  if (sn1.plifW) ctx.tensors.set(`${at}.sn1.w`, sn1.plifW);
  if (sn2.plifW) ctx.tensors.set(`${at}.sn2.w`, sn2.plifW);

  // the sum node: an identity Scale (synaptogen's export) is the block's own sum, anything else reads it
  ctx.shape = c2.outShape;
  ctx.from = b.conv2;
  const sum = node(b.sum);
  const s = sum.params.scale;
  if (
    sum.type === 'Scale' &&
    typeof s === 'object' &&
    product(s.shape) === product(ctx.shape) &&
    s.data.every((v) => v === 1)
  )
    ctx.mapping.push(`${b.sum} (Scale of ones) -> the sum of ${at}`);
  else {
    ctx.mapping.push(`${b.sum} (${sum.type}) reads the sum of ${at}`);
    importNode(ctx, b.sum, sum, undefined);
  }
  ctx.spikes = false;
  ctx.from = b.sum;
}
