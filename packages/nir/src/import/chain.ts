import type { NirNode } from '../graph.js';
import { graphError, type ImportContext, unsupported } from './context.js';
import { matchResidualBlock, RESIDUAL_SHAPE, type ResidualBlockNodes } from './residual-match.js';

/** NIR primitives synaptogen does not map (feed-forward subset only). */
const NOT_MAPPED: Record<string, string> = {
  CubaLIF: 'current-based (two-state) neurons have no synaptogen layer',
  CubaLI: 'current-based (two-state) neurons have no synaptogen layer',
  I: 'integrators without spikes have no synaptogen layer',
  Delay: 'synaptic delays have no synaptogen layer',
  Conv1d: '1-D convolutions have no synaptogen layer',
  NIRGraph: 'nested graphs (e.g. recurrent layers written as subgraphs) are not imported',
};
const KNOWN = [
  'Input',
  'Output',
  'Affine',
  'Linear',
  'Conv2d',
  'IF',
  'LIF',
  'LI',
  'SumPool2d',
  'AvgPool2d',
  'Flatten',
  'Scale',
  'Threshold',
  ...Object.keys(NOT_MAPPED),
];

/** One step of the path from Input to Output: a node, or a residual block of several. */
export type Step = string | ResidualBlockNodes;

/**
 * The path from Input to Output, node by node, with residual blocks as one step each; refuses
 * unknown and unmapped node types, cycles, and other branches and merges, naming the node.
 */
export function findChain(ctx: Pick<ImportContext, 'graph' | 'file'>): Step[] {
  const { nodes, edges } = ctx.graph;
  for (const [name, n] of nodes) {
    if (!KNOWN.includes(n.type))
      graphError(ctx, name, `unknown node type "${n.type}" (expected a NIR primitive: ${KNOWN.join(', ')})`);
  }
  const outs = new Map<string, string[]>();
  const ins = new Map<string, string[]>();
  for (const [a, b] of edges) {
    outs.set(a, [...(outs.get(a) ?? []), b]);
    ins.set(b, [...(ins.get(b) ?? []), a]);
  }
  const cycle = findCycle(nodes, outs);
  if (cycle) {
    const head = cycle[0];
    unsupported(
      ctx,
      head,
      `(${nodes.get(head)!.type}) is recurrent: ${[...cycle, head].join(' -> ')} is a cycle; synaptogen imports feed-forward graphs only`,
    );
  }
  const inputs = [...nodes].filter(([, n]) => n.type === 'Input').map(([k]) => k);
  if (inputs.length !== 1)
    unsupported(ctx, inputs[1] ?? '/', `the graph has ${inputs.length} Input nodes; expected 1`);
  const steps: Step[] = [inputs[0]];
  const seen = new Set([inputs[0]]);
  for (let cur = inputs[0]; nodes.get(cur)!.type !== 'Output'; ) {
    const next = outs.get(cur) ?? [];
    if (next.length === 0) graphError(ctx, cur, 'has no outgoing edge and is not an Output node');
    const merges = (ins.get(next[0]) ?? []).length > 1;
    if (next.length === 1 && !merges) {
      steps.push(next[0]);
      seen.add(next[0]);
      cur = next[0];
      continue;
    }
    // the names on the path right before `cur` (a projection block starts two nodes earlier)
    const before: string[] = [];
    for (let k = steps.length - 2; k >= 0 && before.length < 2; k--) {
      const s = steps[k];
      before.unshift(typeof s === 'string' ? s : s.sum);
      if (typeof s !== 'string') break;
    }
    const block = next.length === 2 ? matchResidualBlock(cur, before, outs, ins) : null;
    if (!block) {
      if (next.length > 1)
        unsupported(
          ctx,
          cur,
          `branches to ${next.join(', ')}; only chains and ${RESIDUAL_SHAPE} are imported`,
        );
      unsupported(
        ctx,
        next[0],
        `sums the inputs ${(ins.get(next[0]) ?? []).join(', ')}; only chains and ${RESIDUAL_SHAPE} are imported`,
      );
    }
    const b = block as ResidualBlockNodes;
    if (b.shortcut) steps.splice(steps.length - 2, 2); // bn1 and sn1 belong to the block
    steps.push(b);
    for (const n of [b.bn1, b.sn1, b.conv1, b.sn2, b.conv2, b.shortcut, b.sum]) if (n) seen.add(n);
    cur = b.sum;
  }
  const unused = [...nodes.keys()].filter((k) => !seen.has(k));
  if (unused.length) unsupported(ctx, unused[0], 'is not on the path from Input to Output');
  for (const name of seen) {
    const reason = NOT_MAPPED[nodes.get(name)!.type];
    if (reason) unsupported(ctx, name, `(${nodes.get(name)!.type}): ${reason}`);
  }
  return steps;
}

/** The nodes of a cycle, if the edges have one (iterative DFS, so deep graphs cannot overflow the stack). */
function findCycle(nodes: Map<string, NirNode>, outs: Map<string, string[]>): string[] | null {
  const state = new Map<string, 1 | 2>();
  for (const start of nodes.keys()) {
    if (state.has(start)) continue;
    const stack: [string, number][] = [[start, 0]];
    const path: string[] = [start];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const next = outs.get(top[0]) ?? [];
      if (top[1] >= next.length) {
        state.set(top[0], 2);
        stack.pop();
        path.pop();
        continue;
      }
      const to = next[top[1]++];
      if (state.get(to) === 1) return path.slice(path.indexOf(to));
      if (!state.has(to)) {
        state.set(to, 1);
        stack.push([to, 0]);
        path.push(to);
      }
    }
  }
  return null;
}
