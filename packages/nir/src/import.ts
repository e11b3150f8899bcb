import type { SpikingModel } from '@synaptogen/nn';
import { type NirGraph, readNir } from './graph.js';
import { findChain, type Step } from './import/chain.js';
import { createContext, graphError, type ImportContext, unsupported } from './import/context.js';
import { buildWithTensors, modelConfig } from './import/model.js';
import { importNode } from './import/node.js';
import { intArray } from './import/params.js';
import { importResidualBlock } from './import/residual-block.js';
import { product } from './layout.js';

export interface ImportNirOptions {
  /** Seconds per time step, to turn LIF τ (seconds) into steps (default: the graph's `dt` metadata, else 1e-3). */
  dt?: number;
  /** Time steps for a static input (direct encoding); default the graph's `time_steps` metadata, else 1. */
  T?: number;
  /** Model name in the checkpoint (default: the exported model's name, else the file's name without extension). */
  name?: string;
  /** File name for error messages. */
  file?: string;
}

export interface ImportedNir {
  model: SpikingModel;
  /** One line per NIR node: what it became. */
  mapping: string[];
}

/** Parses `.nir` bytes and imports the graph (see `importNir`). */
export function importNirBytes(bytes: Uint8Array, options: ImportNirOptions = {}): ImportedNir {
  return importNir(readNir(bytes, { file: options.file }), options);
}

/**
 * Builds a synaptogen model from a feed-forward NIR graph (a chain Input → ... → Output of Affine,
 * Linear, Conv2d, IF, LIF, SumPool2d, AvgPool2d, Flatten, Scale, Threshold, with pre-activation
 * residual blocks as `PreActBlock`s). Anything else — recurrence, other branches, other primitives,
 * per-neuron parameters that differ — is refused with a one-line error naming the node.
 */
export function importNir(graph: NirGraph, options: ImportNirOptions = {}): ImportedNir {
  const ctx = createContext(graph, options);
  const chain = findChain(ctx);
  const inShape = inputShape(ctx, chain[0] as string);
  ctx.shape = inShape;
  importSteps(ctx, chain);
  const model = buildWithTensors(ctx, modelConfig(ctx, inShape, options));
  return { model, mapping: ctx.mapping };
}

/** The Input node's shape, [features] or [C, H, W]. */
function inputShape(ctx: ImportContext, name: string): number[] {
  const shape = intArray(ctx, name, ctx.graph.nodes.get(name)!, 'shape');
  if (shape.length !== 1 && shape.length !== 3)
    unsupported(ctx, name, `Input shape [${shape}]: expected [features] or [C, H, W]`);
  return shape;
}

/** Converts the steps after Input, up to the Output node, whose shape must match what reaches it. */
function importSteps(ctx: ImportContext, chain: Step[]) {
  for (let k = 1; k < chain.length; k++) {
    const step = chain[k];
    if (typeof step !== 'string') {
      importResidualBlock(ctx, step);
      continue;
    }
    const node = ctx.graph.nodes.get(step)!;
    if (node.type === 'Output') {
      const output = intArray(ctx, step, node, 'shape');
      if (product(output) !== product(ctx.shape))
        graphError(
          ctx,
          step,
          `Output shape [${output}] does not match its input [${ctx.shape}] from node "${ctx.from}"`,
        );
      return;
    }
    const after = chain[k + 1];
    const next = typeof after === 'string' ? ctx.graph.nodes.get(after) : undefined;
    if (importNode(ctx, step, node, next)) k++; // the next node was merged into this one
    ctx.from = step;
  }
}
