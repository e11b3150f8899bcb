/**
 * The node names of one pre-activation residual block in a NIR graph: `input` fans out to the block,
 * `bn1 → sn1 → conv1 → sn2 → conv2` is the residual branch and `sum` receives two edges (NIR adds them):
 * from `conv2` and from the shortcut, which is `input` itself or a 1×1 `shortcut` conv reading `sn1`.
 */
export interface ResidualBlockNodes {
  input: string;
  bn1: string;
  sn1: string;
  conv1: string;
  sn2: string;
  conv2: string;
  shortcut: string | null;
  sum: string;
}

export const RESIDUAL_SHAPE =
  'pre-activation residual blocks (BN → neuron → conv → neuron → conv, plus the block input or a conv of the first neuron, summed in one node)';

/**
 * Matches a residual block at `branch`, a node with two outgoing edges: the block input (identity
 * shortcut), or the block's first neuron (projection shortcut; then `before` are the two nodes before
 * it on the path, the BN and the block input). Returns null when the nodes around it are shaped otherwise.
 */
export function matchResidualBlock(
  branch: string,
  before: string[],
  outs: Map<string, string[]>,
  ins: Map<string, string[]>,
): ResidualBlockNodes | null {
  const next = outs.get(branch) ?? [];
  if (next.length !== 2) return null;
  /** The one node after `n` when `n` → it is the only edge out of `n` and into it. */
  const after = (n: string | null) => {
    const o = n === null ? [] : (outs.get(n) ?? []);
    return o.length === 1 && (ins.get(o[0]) ?? []).length === 1 ? o[0] : null;
  };
  const sumOf = (conv2: string | null, other: string) => {
    const o = conv2 === null ? [] : (outs.get(conv2) ?? []);
    const into = o.length === 1 ? [...(ins.get(o[0]) ?? [])].sort() : [];
    return into.length === 2 && into.join() === [conv2, other].sort().join() ? o[0] : null;
  };
  for (const [first, second] of [next, [...next].reverse()]) {
    // identity: branch → bn1 → sn1 → conv1 → sn2 → conv2 → sum ← branch
    const sn1 = after(first);
    const conv1 = after(sn1);
    const sn2 = after(conv1);
    const conv2 = after(sn2);
    if ((ins.get(first) ?? []).length === 1 && sn1 && conv1 && sn2 && conv2) {
      const sum = sumOf(conv2, branch);
      if (sum === second) return { input: branch, bn1: first, sn1, conv1, sn2, conv2, shortcut: null, sum };
    }
    // projection: bn1 → sn1 (= branch) → conv1 → sn2 → conv2 → sum ← shortcut ← sn1
    const [input, bn1] = before.slice(-2);
    const pSn2 = after(first);
    const pConv2 = after(pSn2);
    const shortcutOut = outs.get(second) ?? [];
    const single = (n: string) => (ins.get(n) ?? []).length === 1;
    if (before.length >= 2 && single(first) && single(second) && pSn2 && pConv2 && shortcutOut.length === 1) {
      const sum = sumOf(pConv2, second);
      if (sum && sum === shortcutOut[0])
        return { input, bn1, sn1: branch, conv1: first, sn2: pSn2, conv2: pConv2, shortcut: second, sum };
    }
  }
  return null;
}
