import type { NirNode } from '../graph.js';
import { product } from '../layout.js';
import { graphError, type ImportContext, pushLayer, unsupported } from './context.js';
import { pair, square } from './params.js';

/**
 * A SumPool2d or AvgPool2d node; returns true when it also consumed `next` (SumPool2d → Threshold as
 * max pooling, AvgPool2d → Flatten as a global average).
 */
export function importPool(
  ctx: ImportContext,
  name: string,
  node: NirNode,
  next: NirNode | undefined,
): boolean {
  if (ctx.shape.length !== 3)
    graphError(ctx, name, `(${node.type}) needs an input [C, H, W], node "${ctx.from}" gives [${ctx.shape}]`);
  const kernel = square(ctx, name, node, 'kernel_size', pair(ctx, name, node, 'kernel_size'));
  const stride = square(ctx, name, node, 'stride', pair(ctx, name, node, 'stride', kernel));
  const padding = square(ctx, name, node, 'padding', pair(ctx, name, node, 'padding', 0));
  if (stride !== kernel || padding !== 0)
    unsupported(
      ctx,
      name,
      `(${node.type}) kernel ${kernel}, stride ${stride}, padding ${padding}: only stride = kernel and no padding are supported`,
    );
  const [c, h, w] = ctx.shape;
  const out = [c, Math.floor(h / kernel), Math.floor(w / kernel)];
  // SumPool2d → Threshold(θ ∈ [0, 1)) on spikes is max pooling (what synaptogen exports MaxPool2d as)
  const asMax =
    node.type === 'SumPool2d' &&
    ctx.spikes &&
    next?.type === 'Threshold' &&
    (() => {
      const t = next.params.threshold;
      return (
        typeof t === 'object' &&
        product(t.shape) === product(out) &&
        t.data.every((v) => v === t.data[0]) &&
        t.data[0] >= 0 &&
        t.data[0] < 1
      );
    })();
  if (asMax) {
    pushLayer(
      ctx,
      name,
      { type: 'MaxPool2d', kernelSize: kernel },
      `MaxPool2d(${kernel}) (SumPool2d → Threshold on spikes)`,
    );
    ctx.shape = out;
    ctx.spikes = true;
    return true;
  }
  if (node.type === 'AvgPool2d' && kernel === h && kernel === w && next?.type === 'Flatten') {
    // AvgPool over the whole image then Flatten: a global average (exported so by synaptogen)
    pushLayer(ctx, name, { type: 'GlobalAvgPool' }, 'GlobalAvgPool');
    ctx.shape = [c];
    ctx.spikes = false;
    return true;
  }
  pushLayer(ctx, name, { type: node.type as 'SumPool2d', kernelSize: kernel }, `${node.type}(${kernel})`);
  ctx.shape = out;
  ctx.spikes = false;
  return false;
}
