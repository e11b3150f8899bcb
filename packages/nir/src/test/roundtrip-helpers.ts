/** Shared by the round-trip tests: what the reference `nir.read` sees, and seeded model perturbations. */
import { mkdtempSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decodeNpy } from '@synaptogen/datasets/node';
import type { SpikingModel } from '@synaptogen/nn';
import { BatchNorm } from '@synaptogen/nn/layers';
import * as tf from '@tensorflow/tfjs-core';
import { python } from './reference.js';

// what nir.read sees: node types, edges, every numeric parameter as .npy, metadata keys
const DUMP = `
import nir, numpy as np, json, sys, os
f, out = sys.argv[1], sys.argv[2]
g = nir.read(f)
nodes = {}
for name, n in g.nodes.items():
    d = n.to_dict()
    params = {}
    for k, v in d.items():
        if isinstance(v, np.ndarray) and v.dtype.kind in 'fiu':
            np.save(os.path.join(out, f"{name}__{k}.npy"), np.ascontiguousarray(v))
            params[k] = list(v.shape)
    md = d.get('metadata', {})
    nodes[name] = {'type': type(n).__name__, 'params': params,
                   'sparsity': float(md['sparsity']) if 'sparsity' in md else None}
print(json.dumps({'nodes': nodes, 'edges': [list(e) for e in g.edges],
                  'output': [int(x) for x in g.output_type['output']]}))
`;

export interface Dumped {
  nodes: Record<string, { type: string; params: Record<string, number[]>; sparsity: number | null }>;
  edges: [string, string][];
  output: number[];
}

export function readReferenceDump(
  file: string,
  tmp: string,
): { dump: Dumped; array: (node: string, key: string) => Float32Array } {
  const dir = mkdtempSync(path.join(tmp, 'dump-'));
  const dump = JSON.parse(python(DUMP, [file, dir])) as Dumped;
  const array = (node: string, key: string) =>
    Float32Array.from(
      decodeNpy(new Uint8Array(readFileSync(path.join(dir, `${node}__${key}.npy`))))
        .data as ArrayLike<number>,
    );
  return { dump, array };
}

/** How many entries differ by more than `rel`·|expected| (+ 1e-7 absolute when rel > 0). */
export function mismatches(got: Float32Array, want: Float32Array, rel: number): number {
  let n = 0;
  for (let k = 0; k < got.length; k++) {
    const d = Math.abs(got[k] - want[k]);
    if (rel === 0 ? !Object.is(got[k], want[k]) && got[k] !== want[k] : d > rel * Math.abs(want[k]) + 1e-7)
      n++;
  }
  return n;
}

function seeded(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Pruned: about 60% of every Linear/Conv2d weight set to exact zeros (as Grad R's sign·relu(θ) leaves them). */
export function prune(model: SpikingModel, seed: number) {
  const rnd = seeded(seed);
  for (const [, w] of model.prunableWeights()) {
    const v = Float32Array.from(w.dataSync());
    for (let i = 0; i < v.length; i++) if (rnd() < 0.6) v[i] = 0;
    w.assign(tf.tensor(v, w.shape));
  }
}

/** Trained-looking BatchNorm statistics, so that folding is not the identity. */
export function perturbBatchNorm(model: SpikingModel, seed: number) {
  const rnd = seeded(seed);
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof BatchNorm)) continue;
    const n = m.numFeatures;
    const vec = (lo: number, hi: number) =>
      tf.tensor1d(Array.from({ length: n }, () => lo + (hi - lo) * rnd()));
    m.weight.assign(vec(0.5, 1.5));
    m.bias.assign(vec(-0.3, 0.3));
    m.runningMean.assign(vec(-0.5, 0.5));
    m.runningVar.assign(vec(0.2, 2));
  }
}
