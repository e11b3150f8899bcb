import type { NirNode } from '../graph.js';
import { type ImportContext, pushLayer, unsupported } from './context.js';
import { importConv } from './conv.js';
import { importFlatten } from './flatten.js';
import { importLinear } from './linear.js';
import { importLeakyIntegrator, importNeuron } from './neuron.js';
import { uniform } from './params.js';
import { importPool } from './pool.js';
import { importScale } from './scale.js';

/**
 * Converts one node on the chain into layers of `ctx`; returns true when it also consumed `next`
 * (SumPool2d → Threshold as max pooling, AvgPool2d → Flatten as a global average).
 */
export function importNode(
  ctx: ImportContext,
  name: string,
  node: NirNode,
  next: NirNode | undefined,
): boolean {
  switch (node.type) {
    case 'Affine':
    case 'Linear':
      importLinear(ctx, name, node);
      return false;
    case 'Conv2d':
      importConv(ctx, name, node);
      return false;
    case 'IF':
    case 'LIF':
      importNeuron(ctx, name, node);
      return false;
    case 'LI':
      importLeakyIntegrator(ctx, name, node);
      return false;
    case 'SumPool2d':
    case 'AvgPool2d':
      return importPool(ctx, name, node, next);
    case 'Flatten':
      importFlatten(ctx, name, node);
      return false;
    case 'Threshold': {
      const threshold = uniform(ctx, name, node, 'threshold');
      pushLayer(ctx, name, { type: 'Threshold', threshold }, `Threshold(${threshold})`);
      ctx.spikes = true;
      return false;
    }
    case 'Scale':
      importScale(ctx, name, node);
      return false;
    default:
      unsupported(ctx, name, `(${node.type}) cannot be imported here`);
  }
}
