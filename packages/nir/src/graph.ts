import { NirGraphError } from './errors.js';
import { readHdf5 } from './hdf5/read.js';
import {
  dataset,
  group,
  type H5Dataset,
  type H5DType,
  type H5Group,
  type H5Node,
  scalarString,
} from './hdf5/tree.js';
import { writeHdf5 } from './hdf5/write.js';

/** An n-dimensional array of numbers as NIR stores them (row-major, PyTorch layouts). */
export interface NdArray {
  dtype: Exclude<H5DType, 'str'>;
  shape: number[];
  data: Float32Array | Float64Array;
}

/** A metadata value: numbers and strings (scalars or arrays), or a nested record. */
export type MetadataValue = NdArray | string | string[] | { [key: string]: MetadataValue };
export type Metadata = Record<string, MetadataValue>;

/**
 * One node of a NIR graph: its primitive type (`Conv2d`, `LIF`, ...), its parameters as stored in the
 * file, and its metadata. A `NIRGraph` node (a subgraph) keeps its nodes and edges in `graph`.
 */
export interface NirNode {
  type: string;
  params: Record<string, NdArray | string>;
  metadata: Metadata;
  graph?: NirGraph;
}

export interface NirGraph {
  nodes: Map<string, NirNode>;
  /** Directed edges [from, to]; several edges into one node add up. */
  edges: [string, string][];
  metadata: Metadata;
}

/** The NIR version this package writes (the reference `nir` package's file layout). */
export const NIR_VERSION = '1.0.6';

export const array = (
  data: Float32Array | Float64Array,
  shape: number[],
  dtype?: NdArray['dtype'],
): NdArray => ({
  dtype: dtype ?? (data instanceof Float32Array ? 'f4' : 'f8'),
  shape,
  data,
});
export const ints = (values: number[], shape = [values.length]): NdArray =>
  array(Float64Array.from(values), shape, 'i8');
export const scalar = (n: number, dtype: NdArray['dtype'] = 'i8'): NdArray =>
  array(Float64Array.of(n), [], dtype);

export interface ReadNirOptions {
  /** File name for error messages. */
  file?: string;
}

/** Parses `.nir` bytes (HDF5) into a graph; bad bytes or a bad graph end in a one-line NirError. */
export function readNir(bytes: Uint8Array, options: ReadNirOptions = {}): NirGraph {
  const file = options.file ?? '<nir>';
  const root = readHdf5(bytes, { file });
  const node = root.children.get('node');
  if (node?.kind !== 'group') throw new NirGraphError('has no "node" group (not a NIR file)', { file });
  const g = parseNode(node, '', file);
  if (g.type !== 'NIRGraph' || !g.graph)
    throw new NirGraphError(`top-level node has type "${g.type}", expected "NIRGraph"`, { file });
  return g.graph;
}

function parseNode(h: H5Group, name: string, file: string): NirNode {
  const typeNode = h.children.get('type');
  if (typeNode?.kind !== 'dataset' || typeNode.dtype !== 'str' || typeNode.shape.length !== 0)
    throw new NirGraphError('has no "type" string', { file, node: name || '/' });
  const type = (typeNode.data as string[])[0];
  const params: NirNode['params'] = {};
  let metadata: Metadata = {};
  let graph: NirGraph | undefined;
  for (const [key, child] of h.children) {
    if (key === 'type') continue;
    if (key === 'metadata') {
      if (child.kind === 'group') metadata = parseMetadata(child);
      continue;
    }
    if (type === 'NIRGraph' && (key === 'nodes' || key === 'edges')) continue;
    if (child.kind === 'group') continue; // unknown nested groups: ignored, as the reference does
    params[key] = child.dtype === 'str' ? (child.data as string[]).join('') : toArray(child);
  }
  if (type === 'NIRGraph') graph = parseGraph(h, name, file, metadata);
  return { type, params, metadata, graph };
}

function parseGraph(h: H5Group, name: string, file: string, metadata: Metadata): NirGraph {
  const nodesGroup = h.children.get('nodes');
  if (nodesGroup?.kind !== 'group')
    throw new NirGraphError('NIRGraph has no "nodes" group', { file, node: name || '/' });
  const nodes = new Map<string, NirNode>();
  for (const [key, child] of nodesGroup.children) {
    const path = name ? `${name}.${key}` : key;
    if (child.kind !== 'group')
      throw new NirGraphError('is a dataset, expected a node group', { file, node: path });
    nodes.set(key, parseNode(child, path, file));
  }
  const edgesNode = h.children.get('edges');
  const edges: [string, string][] = [];
  if (edgesNode) {
    if (
      edgesNode.kind !== 'dataset' ||
      edgesNode.dtype !== 'str' ||
      (edgesNode.data.length > 0 && edgesNode.shape.at(-1) !== 2)
    )
      throw new NirGraphError('"edges" must be an [E, 2] array of node names', { file, node: name || '/' });
    const names = edgesNode.data as string[];
    for (let i = 0; i + 1 < names.length; i += 2) {
      for (const end of [names[i], names[i + 1]])
        if (!nodes.has(end))
          throw new NirGraphError(`edge ${names[i]} -> ${names[i + 1]} names a node that does not exist`, {
            file,
            node: end,
          });
      edges.push([names[i], names[i + 1]]);
    }
  }
  return { nodes, edges, metadata };
}

function toArray(d: H5Dataset): NdArray {
  return { dtype: d.dtype as NdArray['dtype'], shape: d.shape, data: d.data as Float32Array | Float64Array };
}

function parseMetadata(g: H5Group): Metadata {
  const out: Metadata = {};
  for (const [k, v] of g.children) {
    if (v.kind === 'group') out[k] = parseMetadata(v);
    else if (v.dtype === 'str')
      out[k] = v.shape.length === 0 ? (v.data as string[])[0] : (v.data as string[]);
    else out[k] = toArray(v);
  }
  return out;
}

// ------------------------------------------------------------------ writing

/** Serialises a graph as `.nir` bytes in the reference package's layout (`/version`, `/node/...`). */
export function writeNir(graph: NirGraph): Uint8Array {
  const root = group([
    ['version', scalarString(NIR_VERSION)],
    ['node', graphGroup(graph)],
  ]);
  return writeHdf5(root);
}

function graphGroup(graph: NirGraph): H5Group {
  const nodes = group();
  for (const [name, node] of graph.nodes) nodes.children.set(name, nodeGroup(node));
  const g = group([
    ['type', scalarString('NIRGraph')],
    ['nodes', nodes],
    ['edges', dataset('str', [graph.edges.length, 2], graph.edges.flat())],
  ]);
  if (Object.keys(graph.metadata).length) g.children.set('metadata', metadataGroup(graph.metadata));
  return g;
}

function nodeGroup(node: NirNode): H5Group {
  if (node.graph) return graphGroup(node.graph);
  const g = group([['type', scalarString(node.type)]]);
  for (const [k, v] of Object.entries(node.params))
    g.children.set(k, typeof v === 'string' ? scalarString(v) : dataset(v.dtype, v.shape, v.data));
  if (Object.keys(node.metadata).length) g.children.set('metadata', metadataGroup(node.metadata));
  return g;
}

function metadataGroup(m: Metadata): H5Group {
  const g = group();
  for (const [k, v] of Object.entries(m)) {
    let child: H5Node;
    if (typeof v === 'string') child = scalarString(v);
    else if (Array.isArray(v)) child = dataset('str', [v.length], v);
    else if ('dtype' in v && 'data' in v)
      child = dataset(v.dtype as H5DType, v.shape as number[], v.data as Float64Array);
    else child = metadataGroup(v as Metadata);
    g.children.set(k, child);
  }
  return g;
}
