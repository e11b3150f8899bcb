import type { Module, SpikingModel } from '@synaptogen/nn';
import {
  AvgPool2d,
  BatchNorm,
  Conv2d,
  Dropout,
  Flatten,
  GlobalAvgPool,
  GroupAverage,
  LeakyIntegrator,
  Linear,
  MaxPool2d,
  Neuron,
  PreActBlock,
  Scale,
  SumPool2d,
  Threshold,
} from '@synaptogen/nn/layers';
import { neuronSpecData } from '@synaptogen/nn/models';
import type * as tf from '@tensorflow/tfjs-core';
import { NirUnsupportedError } from './errors.js';
import { foldBatchNorm } from './fold.js';
import {
  array,
  ints,
  type Metadata,
  type NdArray,
  type NirGraph,
  type NirNode,
  scalar,
  writeNir,
} from './graph.js';
import { hwcToChw, linearFromNhwc } from './layout.js';
import { residualSumNode, standaloneBatchNormNode } from './residual-export.js';

export interface ExportNirOptions {
  /** Seconds per time step: LIF τ in NIR is τ(steps) · dt (default 1e-3, 1 ms, Norse's default). */
  dt?: number;
  /**
   * Also keep, in node metadata, what synaptogen needs to rebuild this exact model on import (the
   * unfolded BatchNorm, surrogate functions, dropout): re-import is then bit-identical. Other tools ignore
   * these `synaptogen_*` entries. Default true.
   */
  roundTrip?: boolean;
}

const DEFAULT_DT = 1e-3;
/** Weights with |w| below this count as pruned (nn's ZERO_WEIGHT). */
const ZERO = 1e-10;

const f32 = (t: tf.Tensor) => Float32Array.from(t.dataSync());
const full = (shape: number[], v: number, dtype: NdArray['dtype'] = 'f8') => {
  const n = shape.reduce((a, b) => a * b, 1);
  return array(dtype === 'f4' ? new Float32Array(n).fill(v) : new Float64Array(n).fill(v), shape, dtype);
};

/** A synaptic node waiting for a BatchNorm to fold into it. */
interface Pending {
  name: string;
  kind: 'Conv2d' | 'Linear';
  /** NIR layout: [out, in, kh, kw] or [out, in]. */
  weight: Float32Array;
  weightShape: number[];
  bias: Float32Array | null;
  outputs: number;
  params: Record<string, NdArray | string>;
  metadata: Metadata;
  /** The nodes whose outputs it reads (several: their sum). */
  inputs: string[];
}

/**
 * Converts a model to a NIR graph: Input → one node per layer → Output, in PyTorch layouts (CHW,
 * weights [out, in, ...]); a pre-activation residual block becomes its own nodes, the shortcut a second
 * edge into the block's sum node. See the package README for how each layer maps (BatchNorm folded, max
 * pooling of spikes as SumPool2d → Threshold, LIF τ scaled by dt, ...). Throws NirUnsupportedError
 * naming the layer for what NIR cannot express exactly (soft reset, nested containers, ...).
 */
export function exportNir(model: SpikingModel, options: ExportNirOptions = {}): NirGraph {
  const dt = options.dt ?? DEFAULT_DT;
  if (!(dt > 0 && Number.isFinite(dt)))
    throw new NirUnsupportedError(`dt must be a positive number of seconds, got ${dt}`);
  const roundTrip = options.roundTrip ?? true;
  const cfg = model.config;
  const nodes = new Map<string, NirNode>();
  const edges: [string, string][] = [];
  /** The node the next layer reads. */
  let last = 'input';
  const sparsity: Record<string, NdArray> = {};
  const inputShape = cfg.inputShape.length === 4 ? cfg.inputShape.slice(1) : [...cfg.inputShape];
  /** Current signal shape in NIR layout (CHW or [features]). */
  let shape = [...inputShape];
  /** Set after a Flatten of [C, H, W]: our features are in HWC order, NIR's in CHW. */
  let flattenedFrom: number[] | null = null;
  let pending: Pending | null = null;
  /** Whether the signal is 0/1 spikes (what makes max pooling exact in NIR). */
  let spikes = cfg.inputShape.length === 4;
  let dropoutBefore: number | null = null;

  const add = (name: string, node: NirNode, inputs = [last]) => {
    nodes.set(name, node);
    for (const from of inputs) edges.push([from, name]);
    last = name;
  };
  const flush = () => {
    if (!pending) return;
    const p = pending;
    const bias = p.bias;
    const zeros = p.weight.reduce((n, w) => n + (Math.abs(w) < ZERO ? 1 : 0), 0);
    const fraction = zeros / p.weight.length;
    sparsity[p.name] = scalar(fraction, 'f8');
    p.metadata.sparsity = scalar(fraction, 'f8');
    p.metadata.nonzero_weights = scalar(p.weight.length - zeros);
    if (roundTrip && dropoutBefore !== null)
      p.metadata.synaptogen_dropout_before = scalar(dropoutBefore, 'f8');
    dropoutBefore = null;
    const params: Record<string, NdArray | string> = { ...p.params, weight: array(p.weight, p.weightShape) };
    let type: string = p.kind;
    if (p.kind === 'Conv2d') params.bias = array(bias ?? new Float32Array(p.outputs), [p.outputs]);
    else if (bias) {
      type = 'Affine';
      params.bias = array(bias, [p.outputs]);
    }
    add(p.name, { type, params, metadata: p.metadata }, p.inputs);
    pending = null;
  };
  /** Folds a BatchNorm into the pending Linear/Conv2d (keeping the unfolded parts for re-import). */
  const foldInto = (p: Pending, m: BatchNorm) => {
    const bn = {
      gamma: f32(m.weight),
      beta: f32(m.bias),
      mean: f32(m.runningMean),
      variance: f32(m.runningVar),
      eps: m.eps,
    };
    if (roundTrip) {
      p.metadata.synaptogen_batchnorm = JSON.stringify({ type: m.kind, eps: m.eps, momentum: m.momentum });
      p.metadata.synaptogen_weight = array(Float32Array.from(p.weight), p.weightShape);
      if (p.bias) p.metadata.synaptogen_bias = array(Float32Array.from(p.bias), [p.outputs]);
      p.metadata.synaptogen_bn_weight = array(bn.gamma, [p.outputs]);
      p.metadata.synaptogen_bn_bias = array(bn.beta, [p.outputs]);
      p.metadata.synaptogen_bn_running_mean = array(bn.mean, [p.outputs]);
      p.metadata.synaptogen_bn_running_var = array(bn.variance, [p.outputs]);
    }
    const folded = foldBatchNorm(p.weight, p.bias, bn);
    p.weight = folded.weight;
    p.bias = folded.bias;
  };
  /** A Conv2d reading `input` of shape [C, H, W] (NIR layout), waiting for a BatchNorm; sets `shape` to its output. */
  const convPending = (name: string, m: Conv2d, input: string, path = name): Pending => {
    const [kh, kw, cin, cout] = m.weight.shape;
    const [c, h, w] = shape;
    if (shape.length !== 3 || c !== cin)
      unsupported(path, m, `expects ${cin} channels, its input has shape [${shape}]`);
    const o = (n: number) => Math.floor((n + 2 * m.padding - kh) / m.stride) + 1;
    shape = [cout, o(h), o(w)];
    spikes = false;
    return {
      name,
      kind: 'Conv2d',
      weight: hwcToChw(f32(m.weight), [kh, kw, cin, cout]),
      weightShape: [cout, cin, kh, kw],
      bias: m.bias ? f32(m.bias) : null,
      outputs: cout,
      params: {
        input_shape: ints([h, w]),
        stride: ints([m.stride, m.stride]),
        padding: ints([m.padding, m.padding]),
        dilation: ints([1, 1]),
        groups: scalar(1),
      },
      metadata: {},
      inputs: [input],
    };
  };
  /** A pre-activation block: its nodes under `path.`, the sum of conv2 and the shortcut in node `path`. */
  const block = (path: string, m: PreActBlock) => {
    const blockInput = last;
    const inputShape = [...shape];
    add(`${path}.bn1`, standaloneBatchNormNode(m.bn1, shape, roundTrip));
    add(`${path}.sn1`, neuronNode(m.sn1, shape, dt, roundTrip, `${path}.sn1`));
    const activated = last;
    pending = convPending(`${path}.conv1`, m.conv1, activated);
    foldInto(pending, m.bn2);
    flush();
    add(`${path}.sn2`, neuronNode(m.sn2, shape, dt, roundTrip, `${path}.sn2`));
    pending = convPending(`${path}.conv2`, m.conv2, last);
    flush();
    const main = last;
    let skip = blockInput;
    if (m.shortcut) {
      const outShape = shape;
      shape = inputShape;
      pending = convPending(`${path}.shortcut`, m.shortcut, activated);
      flush();
      skip = last;
      if (shape.join() !== outShape.join())
        unsupported(path, m, `shortcut gives [${shape}], the residual branch [${outShape}]`);
    }
    add(path, residualSumNode(shape), [main, skip]);
    spikes = false;
  };
  const unsupported = (path: string, m: Module, why: string): never => {
    throw new NirUnsupportedError(`${m.kind} at ${path}: ${why}`);
  };

  for (const [i, m] of model.body.layers.entries()) {
    const path = `body.${i}`;
    if (m instanceof BatchNorm && pending) {
      foldInto(pending, m);
      continue;
    }
    flush();
    if (m instanceof Linear) {
      const [inF, outF] = m.weight.shape;
      if (shape.length !== 1 || shape[0] !== inF)
        unsupported(
          path,
          m,
          `expects ${inF} features, its input has shape [${shape}] (a Flatten is missing?)`,
        );
      pending = {
        name: path,
        kind: 'Linear',
        weight: linearFromNhwc(f32(m.weight), inF, outF, flattenedFrom),
        weightShape: [outF, inF],
        bias: m.bias ? f32(m.bias) : null,
        outputs: outF,
        params: {},
        metadata: {},
        inputs: [last],
      };
      shape = [outF];
      flattenedFrom = null;
      spikes = false;
    } else if (m instanceof Conv2d) {
      pending = convPending(path, m, last);
    } else if (m instanceof BatchNorm) {
      // after a sum or a neuron there is nothing to fold into: a per-channel affine node of its own
      add(path, standaloneBatchNormNode(m, shape, roundTrip));
      spikes = false;
    } else if (m instanceof PreActBlock) {
      block(path, m);
    } else if (m instanceof Neuron) {
      add(path, neuronNode(m, shape, dt, roundTrip, path));
      spikes = true;
    } else if (m instanceof LeakyIntegrator) {
      add(path, {
        type: 'LI',
        params: {
          tau: full(shape, m.tau * dt),
          r: full(shape, m.decayInput ? 1 : m.tau),
          v_leak: full(shape, m.vLeak),
        },
        metadata: {},
      });
      spikes = false;
    } else if (m instanceof MaxPool2d) {
      if (!spikes)
        unsupported(
          path,
          m,
          'NIR has no max pooling; it is exported as SumPool2d → Threshold(0.5), which is exact only on spikes, and this input is not spikes',
        );
      const k = m.kernelSize;
      shape = pooled(shape, k);
      add(path, { type: 'SumPool2d', params: poolParams(k), metadata: { synaptogen_layer: 'MaxPool2d' } });
      add(`${path}.threshold`, {
        type: 'Threshold',
        params: { threshold: full(shape, 0.5, 'f4') },
        metadata: { synaptogen_layer: 'MaxPool2d' },
      });
    } else if (m instanceof AvgPool2d || m instanceof SumPool2d) {
      shape = pooled(shape, m.kernelSize);
      add(path, { type: m.kind, params: poolParams(m.kernelSize), metadata: {} });
      spikes = false;
    } else if (m instanceof GlobalAvgPool) {
      // the mean as one AvgPool2d over the whole map (not SumPool2d → Scale(1/HW): two nodes, and a
      // product instead of the division tools and the importer pair with AvgPool2d)
      const [c, h, w] = shape;
      add(path, {
        type: 'AvgPool2d',
        params: { kernel_size: ints([h, w]), stride: ints([h, w]), padding: ints([0, 0]) },
        metadata: { synaptogen_layer: 'GlobalAvgPool' },
      });
      add(`${path}.flatten`, {
        type: 'Flatten',
        params: { start_dim: scalar(0), end_dim: scalar(-1), input_type: ints([c, 1, 1]) },
        metadata: { synaptogen_layer: 'GlobalAvgPool' },
      });
      shape = [c];
      spikes = false;
    } else if (m instanceof Flatten) {
      if (shape.length === 1) continue;
      add(path, {
        type: 'Flatten',
        params: { start_dim: scalar(0), end_dim: scalar(-1), input_type: ints(shape) },
        metadata: {},
      });
      flattenedFrom = shape.length === 3 ? [...shape] : null;
      shape = [shape.reduce((a, b) => a * b, 1)];
    } else if (m instanceof Dropout) {
      dropoutBefore = m.p; // identity at inference
    } else if (m instanceof GroupAverage) {
      if (flattenedFrom) unsupported(path, m, 'directly after a Flatten of an image');
      const g = m.groupSize;
      const f = shape[0];
      const wt = new Float32Array((f / g) * f);
      for (let o = 0; o < f / g; o++) for (let j = 0; j < g; j++) wt[o * f + o * g + j] = 1 / g;
      add(path, {
        type: 'Linear',
        params: { weight: array(wt, [f / g, f]) },
        metadata: { synaptogen_layer: 'GroupAverage' },
      });
      shape = [f / g];
      spikes = false;
    } else if (m instanceof Threshold) {
      add(path, { type: 'Threshold', params: { threshold: full(shape, m.threshold, 'f4') }, metadata: {} });
      spikes = true;
    } else if (m instanceof Scale) {
      const s = f32(m.scale);
      const data = shape.length === 3 ? hwcToChw(s, [shape[1], shape[2], shape[0]]) : s;
      add(path, { type: 'Scale', params: { scale: array(data, [...shape]) }, metadata: {} });
      spikes = false;
    } else {
      unsupported(path, m, 'has no NIR form here (nested containers are not exported)');
    }
  }
  flush();

  // Input → layers → Output
  const all = new Map<string, NirNode>();
  all.set('input', { type: 'Input', params: { shape: ints(inputShape) }, metadata: {} });
  for (const [k, v] of nodes) all.set(k, v);
  all.set('output', { type: 'Output', params: { shape: ints(shape) }, metadata: {} });
  edges.push([last, 'output']);
  const { layers: _layers, ...config } = cfg;
  const metadata: Metadata = {
    source: 'synaptogen',
    dt: scalar(dt, 'f8'),
    time_steps: scalar(cfg.inputShape.length === 4 ? cfg.inputShape[0] : cfg.T),
    input_encoding:
      cfg.inputShape.length === 4
        ? 'frames: one input frame per time step'
        : 'direct: the static input is presented unchanged at each of time_steps steps',
    readout: 'mean over time steps of the output node',
    synaptogen_config: JSON.stringify(config),
    sparsity,
  };
  return { nodes: all, edges, metadata };
}

/** `exportNir` then `writeNir`: the bytes of a `.nir` file (works in the browser too). */
export function exportNirBytes(model: SpikingModel, options: ExportNirOptions = {}): Uint8Array {
  return writeNir(exportNir(model, options));
}

function pooled([c, h, w]: number[], k: number): number[] {
  return [c, Math.floor(h / k), Math.floor(w / k)];
}

function poolParams(k: number): Record<string, NdArray> {
  return { kernel_size: ints([k, k]), stride: ints([k, k]), padding: ints([0, 0]) };
}

function neuronNode(m: Neuron, shape: number[], dt: number, roundTrip: boolean, path: string): NirNode {
  const node = m.node;
  if (node.vReset === null)
    throw new NirUnsupportedError(
      `Neuron at ${path}: soft reset (V ← V − V_th) has no NIR form; NIR's IF and LIF reset to v_reset`,
    );
  const data = neuronSpecData(m);
  if (data.type !== 'IF' && data.type !== 'LIF' && data.type !== 'PLIF')
    throw new NirUnsupportedError(
      `Neuron at ${path}: a ${data.type} neuron (added with registerNeuron) has no NIR form; NIR export writes IF, LIF and PLIF`,
    );
  const metadata: Metadata = roundTrip ? { synaptogen_neuron: JSON.stringify(data) } : {};
  const common = { v_threshold: full(shape, node.vThreshold), v_reset: full(shape, node.vReset) };
  if (data.type === 'IF') return { type: 'IF', params: { r: full(shape, 1), ...common }, metadata };
  const tau =
    data.type === 'PLIF' ? (node as unknown as { currentTau(): number }).currentTau() : (data.tau as number);
  if (data.type === 'PLIF' && roundTrip) {
    const w = (node as unknown as { w: tf.Variable }).w;
    metadata.synaptogen_plif_w = array(f32(w), []);
  }
  return {
    type: 'LIF',
    params: {
      tau: full(shape, tau * dt),
      // decay_input: H = V + (X − (V − V_r))/τ is Euler's step of τ·dv/dt = (v_leak − v) + R·I with R = 1;
      // without it the input is not divided by τ, which R = τ undoes
      r: full(shape, data.decayInput === false ? tau : 1),
      v_leak: full(shape, node.vReset),
      ...common,
    },
    metadata,
  };
}
