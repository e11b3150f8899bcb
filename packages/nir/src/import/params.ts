import type { NdArray, NirNode } from '../graph.js';
import { product } from '../layout.js';
import { graphError, type ImportContext, unsupported } from './context.js';

/** Parameter `key` of node `name`: present, numbers, all finite. */
export function param(ctx: ImportContext, name: string, node: NirNode, key: string): NdArray {
  const p = node.params[key];
  if (p === undefined) graphError(ctx, name, `(${node.type}) has no "${key}"`);
  if (typeof p === 'string') graphError(ctx, name, `(${node.type}) "${key}" is a string, expected numbers`);
  for (const v of p.data)
    if (!Number.isFinite(v)) graphError(ctx, name, `(${node.type}) "${key}" has a non-finite value`);
  return p;
}

export function intArray(ctx: ImportContext, name: string, node: NirNode, key: string): number[] {
  const p = param(ctx, name, node, key);
  const v = Array.from(p.data);
  if (v.some((x) => !Number.isInteger(x)))
    graphError(ctx, name, `(${node.type}) "${key}" must hold integers`);
  return v;
}

/** A (height, width) parameter: one value or two, `fallback` when absent, "valid" padding as 0. */
export function pair(
  ctx: ImportContext,
  name: string,
  node: NirNode,
  key: string,
  fallback?: number,
): [number, number] {
  if (node.params[key] === undefined && fallback !== undefined) return [fallback, fallback];
  if (typeof node.params[key] === 'string') {
    const s = node.params[key] as string;
    if (key === 'padding' && s === 'valid') return [0, 0];
    unsupported(ctx, name, `(${node.type}) padding "${s}" is not supported (use numbers or "valid")`);
  }
  const v = intArray(ctx, name, node, key);
  if (v.length === 1) return [v[0], v[0]];
  if (v.length !== 2) graphError(ctx, name, `(${node.type}) "${key}" has ${v.length} values, expected 2`);
  return [v[0], v[1]];
}

/** The one value of a (height, width) pair, which synaptogen's layers need to be equal. */
export function square(
  ctx: ImportContext,
  name: string,
  node: NirNode,
  key: string,
  v: [number, number],
): number {
  if (v[0] !== v[1]) unsupported(ctx, name, `(${node.type}) ${key} [${v}] differs between height and width`);
  return v[0];
}

/** The one value of a per-neuron parameter, which must be shaped like the input. */
export function uniform(ctx: ImportContext, name: string, node: NirNode, key: string): number {
  const p = param(ctx, name, node, key);
  if (
    product(p.shape) !== product(ctx.shape) ||
    (p.shape.length === ctx.shape.length && p.shape.join() !== ctx.shape.join())
  )
    graphError(
      ctx,
      name,
      `(${node.type}) "${key}" has shape [${p.shape}] but its input from node "${ctx.from}" has shape [${ctx.shape}]`,
    );
  const first = p.data[0];
  for (const v of p.data)
    if (v !== first)
      unsupported(
        ctx,
        name,
        `(${node.type}) per-neuron "${key}" values differ (${first} and ${v}); synaptogen's neurons share one value per layer`,
      );
  return first;
}
