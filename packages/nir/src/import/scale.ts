import type { NirNode } from '../graph.js';
import { chwToHwc, nhwcShape, product } from '../layout.js';
import { graphError, type ImportContext, pushLayer } from './context.js';
import { param } from './params.js';

/** A Scale node: a Scale layer with the per-element factors in synaptogen's layout. */
export function importScale(ctx: ImportContext, name: string, node: NirNode) {
  const p = param(ctx, name, node, 'scale');
  if (product(p.shape) !== product(ctx.shape))
    graphError(
      ctx,
      name,
      `(Scale) scale has shape [${p.shape}] but its input from node "${ctx.from}" has shape [${ctx.shape}]`,
    );
  const data = Float32Array.from(p.data);
  const hwc = ctx.shape.length === 3 ? chwToHwc(data, ctx.shape) : data;
  const i = pushLayer(ctx, name, { type: 'Scale' }, 'Scale');
  ctx.tensors.set(`body.${i}.scale`, { data: hwc, shape: nhwcShape(ctx.shape) });
  ctx.spikes = false;
}

/** Multiplies the preceding synaptic layer's weights and bias by `gain`, or adds a Scale layer. */
export function scaleInput(ctx: ImportContext, name: string, gain: number) {
  const last = ctx.specs.length - 1;
  const spec = ctx.specs[last];
  if (spec && (spec.type === 'Linear' || spec.type === 'Conv2d')) {
    for (const key of ['weight', 'bias']) {
      const t = ctx.tensors.get(`body.${last}.${key}`);
      if (t) t.data = t.data.map((v) => v * gain);
    }
    ctx.mapping.push(`${name}: input gain r = ${gain} folded into body.${last}`);
    return;
  }
  const i = pushLayer(ctx, name, { type: 'Scale' }, `Scale(${gain}) for r`);
  const shape = nhwcShape(ctx.shape);
  ctx.tensors.set(`body.${i}.scale`, { data: new Float32Array(product(shape)).fill(gain), shape });
}
