import type { LayerSpec } from '@synaptogen/nn/models';
import { NirGraphError, NirUnsupportedError } from '../errors.js';
import type { NirGraph } from '../graph.js';
import { num } from './metadata.js';

/** A state tensor of the model being built, in synaptogen's layout. */
export interface Tensor {
  data: Float32Array;
  shape: number[];
}

/**
 * What importing one graph builds up, node by node: each step reads the signal it receives (its
 * shape, whether it is spikes, the node it comes from) and appends layers, their tensors and mapping
 * lines.
 */
export interface ImportContext {
  readonly graph: NirGraph;
  /** File name for error messages. */
  readonly file?: string;
  /** Seconds per time step, to turn τ (seconds) into steps. */
  readonly dt: number;
  readonly specs: LayerSpec[];
  /** The model's state tensors by name (`body.3.weight`). */
  readonly tensors: Map<string, Tensor>;
  /** One line per NIR node: what it became. */
  readonly mapping: string[];
  /** Current signal shape, NIR layout (CHW or [features]). */
  shape: number[];
  /** The [C, H, W] of the Flatten just before, whose output NIR orders CHW and synaptogen HWC. */
  flattenedFrom: number[] | null;
  /** Whether the signal is spikes (SumPool2d → Threshold on spikes is max pooling). */
  spikes: boolean;
  /** The node the signal comes from, for error messages. */
  from: string;
}

/** An empty context; refuses a `dt` (option, else the graph's metadata) that is not a positive number. */
export function createContext(graph: NirGraph, options: { dt?: number; file?: string }): ImportContext {
  const dt = options.dt ?? num(graph.metadata.dt) ?? 1e-3;
  if (!(dt > 0 && Number.isFinite(dt)))
    throw new NirUnsupportedError(`dt must be a positive number of seconds, got ${dt}`);
  return {
    graph,
    file: options.file,
    dt,
    specs: [],
    tensors: new Map(),
    mapping: [],
    shape: [],
    flattenedFrom: null,
    spikes: false,
    from: 'input',
  };
}

/** The graph is malformed at `node`. */
export function graphError(ctx: Pick<ImportContext, 'file'>, node: string, msg: string): never {
  throw new NirGraphError(msg, { file: ctx.file, node });
}

/** The graph is valid but `node` has no synaptogen equivalent. */
export function unsupported(ctx: Pick<ImportContext, 'file'>, node: string, msg: string): never {
  throw new NirUnsupportedError(msg, { file: ctx.file, node });
}

/** Appends the layer node `name` became, with its mapping line; returns its index in the body. */
export function pushLayer(ctx: ImportContext, name: string, spec: LayerSpec, what: string): number {
  ctx.specs.push(spec);
  ctx.mapping.push(`${name} (${ctx.graph.nodes.get(name)?.type}) -> body.${ctx.specs.length - 1} ${what}`);
  return ctx.specs.length - 1;
}
