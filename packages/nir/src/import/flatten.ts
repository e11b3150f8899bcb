import type { NirNode } from '../graph.js';
import { product } from '../layout.js';
import { graphError, type ImportContext, pushLayer, unsupported } from './context.js';
import { intArray } from './params.js';

/** A Flatten node of a whole sample: a Flatten layer (none for an input that is already flat). */
export function importFlatten(ctx: ImportContext, name: string, node: NirNode) {
  if (node.params.input_type !== undefined) {
    const s = intArray(ctx, name, node, 'input_type');
    if (s.join() !== ctx.shape.join())
      graphError(ctx, name, `(Flatten) input_type [${s}] but node "${ctx.from}" gives [${ctx.shape}]`);
  }
  const rank = ctx.shape.length;
  const norm = (d: number) => (d < 0 ? d + rank : d);
  const start = norm(node.params.start_dim === undefined ? 0 : intArray(ctx, name, node, 'start_dim')[0]);
  const end = norm(node.params.end_dim === undefined ? -1 : intArray(ctx, name, node, 'end_dim')[0]);
  if (rank > 1 && (start !== 0 || end !== rank - 1))
    unsupported(
      ctx,
      name,
      `(Flatten) start_dim ${start}, end_dim ${end} of a [${ctx.shape}] input: only whole-sample flattening is supported`,
    );
  if (rank === 1) return;
  pushLayer(ctx, name, { type: 'Flatten' }, 'Flatten');
  ctx.flattenedFrom = rank === 3 ? [...ctx.shape] : null;
  ctx.shape = [product(ctx.shape)];
}
