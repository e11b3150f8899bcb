import type { ModelConfig, SpikingModel } from '@synaptogen/nn';
import { buildModel, type LayerSpec, type LossName, type NeuronSpecData } from '@synaptogen/nn/models';
import * as tf from '@tensorflow/tfjs-core';
import { NirGraphError, NirUnsupportedError } from './errors.js';
import { type BatchNormValues, foldBatchNorm } from './fold.js';
import { type Metadata, type NdArray, type NirGraph, type NirNode, readNir } from './graph.js';
import { chwToHwc, linearToNhwc } from './layout.js';
import { matchResidualBlock, RESIDUAL_SHAPE, type ResidualBlockNodes } from './residual-match.js';

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

const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

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
  return new Importer(graph, options).run();
}

interface Tensor {
  data: Float32Array;
  shape: number[];
}

/** One step of the path from Input to Output: a node, or a residual block of several. */
type Step = string | ResidualBlockNodes;
type BatchNormFull = BatchNormValues & { type: string; momentum: number };

class Importer {
  private readonly file?: string;
  private readonly dt: number;
  private readonly specs: LayerSpec[] = [];
  private readonly tensors = new Map<string, Tensor>();
  private readonly mapping: string[] = [];
  /** Current signal shape, NIR layout (CHW or [features]). */
  private shape: number[] = [];
  private flattenedFrom: number[] | null = null;
  private spikes = false;
  private from = 'input';

  constructor(
    private readonly graph: NirGraph,
    private readonly options: ImportNirOptions,
  ) {
    this.file = options.file;
    const dt = options.dt ?? num(graph.metadata.dt) ?? 1e-3;
    if (!(dt > 0 && Number.isFinite(dt)))
      throw new NirUnsupportedError(`dt must be a positive number of seconds, got ${dt}`);
    this.dt = dt;
  }

  private graphError(node: string, msg: string): never {
    throw new NirGraphError(msg, { file: this.file, node });
  }
  private unsupported(node: string, msg: string): never {
    throw new NirUnsupportedError(msg, { file: this.file, node });
  }

  run(): ImportedNir {
    const chain = this.chain();
    const first = chain[0] as string;
    const input = this.graph.nodes.get(first)!;
    const inShape = this.intArray(first, input, 'shape');
    if (inShape.length !== 1 && inShape.length !== 3)
      this.unsupported(first, `Input shape [${inShape}]: expected [features] or [C, H, W]`);
    this.shape = inShape;
    this.spikes = false;
    let output: number[] = [];
    for (let k = 1; k < chain.length; k++) {
      const step = chain[k];
      if (typeof step !== 'string') {
        this.residualBlock(step);
        continue;
      }
      const name = step;
      const node = this.graph.nodes.get(name)!;
      if (node.type === 'Output') {
        output = this.intArray(name, node, 'shape');
        if (product(output) !== product(this.shape))
          this.graphError(
            name,
            `Output shape [${output}] does not match its input [${this.shape}] from node "${this.from}"`,
          );
        break;
      }
      const after = chain[k + 1];
      const next = typeof after === 'string' ? this.graph.nodes.get(after) : undefined;
      if (this.node(name, node, next)) k++; // the next node was merged into this one
      this.from = name;
    }
    const meta = parseConfig(this.graph.metadata.synaptogen_config);
    // a model exported from event frames keeps its [T, C, H, W] input
    const frames = meta?.inputShape?.length === 4 && meta.inputShape.slice(1).join() === inShape.join();
    const config: ModelConfig = {
      name: this.options.name ?? meta?.name ?? fileStem(this.file) ?? 'nir-model',
      T: frames
        ? (meta.inputShape as number[])[0]
        : (this.options.T ?? num(this.graph.metadata.time_steps) ?? 1),
      inputShape: frames ? (meta.inputShape as number[]) : inShape,
      classes: product(this.shape),
      seed: meta?.seed ?? 0,
      loss: (meta?.loss as LossName) ?? 'cross-entropy',
      layers: this.specs,
    };
    let model: SpikingModel;
    try {
      model = buildModel(config);
    } catch (e) {
      throw new NirGraphError(`cannot build the model: ${(e as Error).message}`, { file: this.file });
    }
    tf.tidy(() => {
      for (const [name, v] of model.stateTensors()) {
        const t = this.tensors.get(name);
        if (!t) continue;
        if (t.shape.join(',') !== v.shape.join(','))
          throw new NirGraphError(`tensor ${name} is [${t.shape}], the model expects [${v.shape}]`, {
            file: this.file,
          });
        v.assign(tf.tensor(t.data, t.shape, 'float32'));
      }
    });
    model.eval();
    return { model, mapping: this.mapping };
  }

  // ---------------------------------------------------------------- topology

  /**
   * The path from Input to Output, node by node, with residual blocks as one step each; refuses
   * cycles and other branches and merges, naming the node.
   */
  private chain(): Step[] {
    const { nodes, edges } = this.graph;
    for (const [name, n] of nodes) {
      if (!KNOWN.includes(n.type))
        this.graphError(
          name,
          `unknown node type "${n.type}" (expected a NIR primitive: ${KNOWN.join(', ')})`,
        );
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
      this.unsupported(
        head,
        `(${nodes.get(head)!.type}) is recurrent: ${[...cycle, head].join(' -> ')} is a cycle; synaptogen imports feed-forward graphs only`,
      );
    }
    const inputs = [...nodes].filter(([, n]) => n.type === 'Input').map(([k]) => k);
    if (inputs.length !== 1)
      this.unsupported(inputs[1] ?? '/', `the graph has ${inputs.length} Input nodes; expected 1`);
    const steps: Step[] = [inputs[0]];
    const seen = new Set([inputs[0]]);
    for (let cur = inputs[0]; nodes.get(cur)!.type !== 'Output'; ) {
      const next = outs.get(cur) ?? [];
      if (next.length === 0) this.graphError(cur, 'has no outgoing edge and is not an Output node');
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
          this.unsupported(
            cur,
            `branches to ${next.join(', ')}; only chains and ${RESIDUAL_SHAPE} are imported`,
          );
        this.unsupported(
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
    if (unused.length) this.unsupported(unused[0], 'is not on the path from Input to Output');
    for (const name of seen) {
      const reason = NOT_MAPPED[nodes.get(name)!.type];
      if (reason) this.unsupported(name, `(${nodes.get(name)!.type}): ${reason}`);
    }
    return steps;
  }

  // ---------------------------------------------------------------- parameters

  private param(name: string, node: NirNode, key: string): NdArray {
    const p = node.params[key];
    if (p === undefined) this.graphError(name, `(${node.type}) has no "${key}"`);
    if (typeof p === 'string') this.graphError(name, `(${node.type}) "${key}" is a string, expected numbers`);
    for (const v of p.data)
      if (!Number.isFinite(v)) this.graphError(name, `(${node.type}) "${key}" has a non-finite value`);
    return p;
  }
  private intArray(name: string, node: NirNode, key: string): number[] {
    const p = this.param(name, node, key);
    const v = Array.from(p.data);
    if (v.some((x) => !Number.isInteger(x)))
      this.graphError(name, `(${node.type}) "${key}" must hold integers`);
    return v;
  }
  private pair(name: string, node: NirNode, key: string, fallback?: number): [number, number] {
    if (node.params[key] === undefined && fallback !== undefined) return [fallback, fallback];
    if (typeof node.params[key] === 'string') {
      const s = node.params[key] as string;
      if (key === 'padding' && s === 'valid') return [0, 0];
      this.unsupported(name, `(${node.type}) padding "${s}" is not supported (use numbers or "valid")`);
    }
    const v = this.intArray(name, node, key);
    if (v.length === 1) return [v[0], v[0]];
    if (v.length !== 2) this.graphError(name, `(${node.type}) "${key}" has ${v.length} values, expected 2`);
    return [v[0], v[1]];
  }
  private square(name: string, node: NirNode, key: string, v: [number, number]): number {
    if (v[0] !== v[1])
      this.unsupported(name, `(${node.type}) ${key} [${v}] differs between height and width`);
    return v[0];
  }
  /** The one value of a per-neuron parameter, which must be shaped like the input. */
  private uniform(name: string, node: NirNode, key: string): number {
    const p = this.param(name, node, key);
    if (
      product(p.shape) !== product(this.shape) ||
      (p.shape.length === this.shape.length && p.shape.join() !== this.shape.join())
    )
      this.graphError(
        name,
        `(${node.type}) "${key}" has shape [${p.shape}] but its input from node "${this.from}" has shape [${this.shape}]`,
      );
    const first = p.data[0];
    for (const v of p.data)
      if (v !== first)
        this.unsupported(
          name,
          `(${node.type}) per-neuron "${key}" values differ (${first} and ${v}); synaptogen's neurons share one value per layer`,
        );
    return first;
  }

  // ---------------------------------------------------------------- nodes

  /** Converts one node; returns true when it also consumed `next` (SumPool2d → Threshold as max pooling). */
  private node(name: string, node: NirNode, next: NirNode | undefined): boolean {
    switch (node.type) {
      case 'Affine':
      case 'Linear':
        this.linear(name, node);
        return false;
      case 'Conv2d':
        this.conv(name, node);
        return false;
      case 'IF':
      case 'LIF':
        this.neuron(name, node);
        return false;
      case 'LI':
        this.leakyIntegrator(name, node);
        return false;
      case 'SumPool2d':
      case 'AvgPool2d':
        return this.pool(name, node, next);
      case 'Flatten':
        this.flatten(name, node);
        return false;
      case 'Threshold': {
        const threshold = this.uniform(name, node, 'threshold');
        this.push(name, { type: 'Threshold', threshold }, `Threshold(${threshold})`);
        this.spikes = true;
        return false;
      }
      case 'Scale': {
        const p = this.param(name, node, 'scale');
        if (product(p.shape) !== product(this.shape))
          this.graphError(
            name,
            `(Scale) scale has shape [${p.shape}] but its input from node "${this.from}" has shape [${this.shape}]`,
          );
        const data = Float32Array.from(p.data);
        const hwc = this.shape.length === 3 ? chwToHwc(data, this.shape) : data;
        const i = this.push(name, { type: 'Scale' }, 'Scale');
        this.tensors.set(`body.${i}.scale`, {
          data: hwc,
          shape: this.shape.length === 3 ? [this.shape[1], this.shape[2], this.shape[0]] : [...this.shape],
        });
        this.spikes = false;
        return false;
      }
      default:
        this.unsupported(name, `(${node.type}) cannot be imported here`);
    }
  }

  private push(name: string, spec: LayerSpec, what: string): number {
    this.specs.push(spec);
    this.mapping.push(
      `${name} (${this.graph.nodes.get(name)?.type}) -> body.${this.specs.length - 1} ${what}`,
    );
    return this.specs.length - 1;
  }

  private linear(name: string, node: NirNode) {
    if (this.shape.length === 1 && this.standaloneBatchNorm(name, node, 'BatchNorm1d')) {
      this.spikes = false;
      return;
    }
    const w = this.param(name, node, 'weight');
    if (w.shape.length !== 2)
      this.unsupported(name, `(${node.type}) weight of shape [${w.shape}]; expected [out, in]`);
    const [outF, inF] = w.shape;
    if (this.shape.length !== 1)
      this.graphError(
        name,
        `(${node.type}) needs a flat input of ${inF} features, node "${this.from}" gives [${this.shape}] (no Flatten?)`,
      );
    if (this.shape[0] !== inF)
      this.graphError(
        name,
        `(${node.type}) weight expects ${inF} input features, node "${this.from}" gives ${this.shape[0]}`,
      );
    const bias = node.type === 'Affine' ? this.param(name, node, 'bias') : null;
    if (bias && product(bias.shape) !== outF)
      this.graphError(name, `(Affine) bias has ${product(bias.shape)} values for ${outF} outputs`);
    const weight = Float32Array.from(w.data);
    const groupSize = groupAverage(weight, outF, inF);
    if (!bias && groupSize && !this.flattenedFrom) {
      this.push(name, { type: 'GroupAverage', groupSize }, `GroupAverage(${groupSize})`);
    } else {
      this.dropout(node.metadata);
      const restored = this.restoreBatchNorm(name, node, weight, bias ? Float32Array.from(bias.data) : null, [
        outF,
        inF,
      ]);
      const i = this.push(
        name,
        { type: 'Linear', outFeatures: outF, bias: restored ? restored.bias !== null : !!bias },
        `Linear(${inF}→${outF})`,
      );
      const raw = restored?.weight ?? weight;
      this.tensors.set(`body.${i}.weight`, {
        data: linearToNhwc(raw, inF, outF, this.flattenedFrom),
        shape: [inF, outF],
      });
      const b = restored ? restored.bias : bias ? Float32Array.from(bias.data) : null;
      if (b) this.tensors.set(`body.${i}.bias`, { data: b, shape: [outF] });
      if (restored) this.pushBatchNorm(name, restored.bn, 'BatchNorm1d');
    }
    this.shape = [outF];
    this.flattenedFrom = null;
    this.spikes = false;
  }

  /** A Conv2d node's parameters, checked against the current input shape. */
  private convParts(name: string, node: NirNode) {
    const w = this.param(name, node, 'weight');
    if (w.shape.length !== 4)
      this.graphError(name, `(Conv2d) weight of shape [${w.shape}]; expected [out, in, kh, kw]`);
    const [cout, cin, kh, kw] = w.shape;
    const groups = node.params.groups === undefined ? 1 : this.intArray(name, node, 'groups')[0];
    if (groups !== 1) this.unsupported(name, `(Conv2d) groups = ${groups}; only groups = 1 is supported`);
    if (this.shape.length !== 3)
      this.graphError(name, `(Conv2d) needs an input [C, H, W], node "${this.from}" gives [${this.shape}]`);
    const [c, h, wd] = this.shape;
    if (c !== cin)
      this.graphError(name, `(Conv2d) weight expects ${cin} input channels, node "${this.from}" gives ${c}`);
    if (node.params.input_shape !== undefined) {
      const s = this.intArray(name, node, 'input_shape');
      if (s.join() !== [h, wd].join())
        this.graphError(name, `(Conv2d) input_shape [${s}] but node "${this.from}" gives [${h}, ${wd}]`);
    }
    const k = this.square(name, node, 'kernel', [kh, kw]);
    const stride = this.square(name, node, 'stride', this.pair(name, node, 'stride', 1));
    const padding = this.square(name, node, 'padding', this.pair(name, node, 'padding', 0));
    const dilation = this.square(name, node, 'dilation', this.pair(name, node, 'dilation', 1));
    if (dilation !== 1) this.unsupported(name, `(Conv2d) dilation ${dilation}; only 1 is supported`);
    const biasArr = node.params.bias === undefined ? null : this.param(name, node, 'bias');
    if (biasArr && product(biasArr.shape) !== cout)
      this.graphError(name, `(Conv2d) bias has ${product(biasArr.shape)} values for ${cout} channels`);
    const o = (n: number) => Math.floor((n + 2 * padding - k) / stride) + 1;
    const outShape = [cout, o(h), o(wd)];
    if (outShape.some((d) => d < 1)) this.graphError(name, `(Conv2d) output [${outShape}] is empty`);
    return {
      weight: Float32Array.from(w.data),
      shape: [cout, cin, kh, kw],
      /** As stored (zeros included), or null when the node has none. */
      storedBias: biasArr ? Float32Array.from(biasArr.data) : null,
      /** Null when absent or all zeros. */
      bias: biasArr?.data.some((v) => v !== 0) ? Float32Array.from(biasArr.data) : null,
      cin,
      cout,
      k,
      stride,
      padding,
      outShape,
    };
  }

  private conv(name: string, node: NirNode) {
    if (this.standaloneBatchNorm(name, node, 'BatchNorm2d')) return;
    const p = this.convParts(name, node);
    const { cin, cout, k, stride, padding } = p;
    const restored = this.restoreBatchNorm(name, node, p.weight, p.storedBias, p.shape);
    const hasBias = restored ? restored.bias !== null : p.bias !== null;
    const i = this.push(
      name,
      { type: 'Conv2d', outChannels: cout, kernelSize: k, stride, padding, bias: hasBias },
      `Conv2d(${cin}→${cout}, k${k} s${stride} p${padding})`,
    );
    this.tensors.set(`body.${i}.weight`, {
      data: chwToHwc(restored?.weight ?? p.weight, p.shape),
      shape: [k, k, cin, cout],
    });
    const b = restored ? restored.bias : p.bias;
    if (b) this.tensors.set(`body.${i}.bias`, { data: b, shape: [cout] });
    if (restored) this.pushBatchNorm(name, restored.bn, 'BatchNorm2d');
    this.shape = p.outShape;
    this.spikes = false;
  }

  /**
   * A pre-activation residual block (see `matchResidualBlock`) as one `PreActBlock`: its BatchNorms
   * come back from synaptogen's metadata when they fold to exactly the node weights, else as the
   * per-channel affine the nodes compute (mean 0, variance 1 − ε).
   */
  private residualBlock(b: ResidualBlockNodes) {
    const node = (n: string) => this.graph.nodes.get(n)!;
    const fail = (n: string, msg: string): never =>
      this.unsupported(n, `(${node(n).type}) in the residual block after node "${b.input}": ${msg}`);
    const conv = (n: string, k: number, padding: number) => {
      if (node(n).type !== 'Conv2d') fail(n, `expected a Conv2d ${k}×${k}`);
      const p = this.convParts(n, node(n));
      if (p.k !== k || p.padding !== padding)
        fail(
          n,
          `kernel ${p.k}, padding ${p.padding}; a PreActBlock has ${k}×${k} convs with padding ${padding}`,
        );
      return p;
    };
    const neuron = (n: string) => {
      if (node(n).type !== 'IF' && node(n).type !== 'LIF') fail(n, 'expected an IF or LIF neuron');
      const out = this.neuronSpec(n, node(n));
      if (out.gain !== 1) fail(n, `input gain r = ${out.gain}; only r = 1 is imported inside a block`);
      return out;
    };
    if (this.shape.length !== 3)
      this.graphError(
        b.bn1,
        `a residual block needs an input [C, H, W], node "${this.from}" gives [${this.shape}]`,
      );
    const inShape = [...this.shape];
    const cin = inShape[0];

    const p1 = conv(b.bn1, 1, 0);
    const affine = p1.stride === 1 && p1.cout === cin ? this.perChannelAffine(b.bn1, node(b.bn1), cin) : null;
    if (!affine) fail(b.bn1, 'expected a 1×1 stride-1 Conv2d with a diagonal weight (the BatchNorm)');
    const { scale, shift } = affine as { scale: Float32Array; shift: Float32Array };
    const bn1 =
      this.restoreBatchNorm(b.bn1, node(b.bn1), scale, shift, [cin], ones(cin))?.bn ??
      affineBatchNorm(scale, shift);
    this.from = b.bn1;
    const sn1 = neuron(b.sn1);
    this.from = b.sn1;
    const c1 = conv(b.conv1, 3, 1);
    const restored = this.restoreBatchNorm(b.conv1, node(b.conv1), c1.weight, c1.storedBias, c1.shape);
    if (restored?.bias) fail(b.conv1, 'has a bias before its BatchNorm; a PreActBlock conv has none');
    const bn2 = restored?.bn ?? affineBatchNorm(ones(c1.cout), c1.storedBias ?? new Float32Array(c1.cout));
    this.shape = c1.outShape;
    this.from = b.conv1;
    const sn2 = neuron(b.sn2);
    if (JSON.stringify(sn2.spec) !== JSON.stringify(sn1.spec))
      fail(b.sn2, `differs from node "${b.sn1}"; the two neurons of a PreActBlock are alike`);
    this.from = b.sn2;
    const c2 = conv(b.conv2, 3, 1);
    if (c2.stride !== 1 || c2.bias) fail(b.conv2, 'expected stride 1 and no bias');
    let shortcut: Float32Array | null = null;
    if (b.shortcut) {
      this.shape = inShape;
      this.from = b.sn1;
      const sc = conv(b.shortcut, 1, 0);
      if (sc.stride !== c1.stride || sc.cout !== c2.cout || sc.bias)
        fail(b.shortcut, `expected stride ${c1.stride}, ${c2.cout} channels and no bias`);
      shortcut = chwToHwc(sc.weight, sc.shape);
    } else if (c2.outShape.join() !== inShape.join())
      fail(b.sum, `adds [${c2.outShape}] to the block input [${inShape}]; the shapes must agree`);

    const i = this.push(
      b.bn1,
      {
        type: 'PreActBlock',
        midChannels: c1.cout,
        outChannels: c2.cout,
        stride: c1.stride,
        neuron: sn1.spec,
      },
      `PreActBlock(${cin}→${c1.cout}→${c2.cout}, stride ${c1.stride})`,
    );
    const at = `body.${i}`;
    for (const [n, part] of [
      [b.sn1, 'sn1'],
      [b.conv1, 'conv1 (+ bn2)'],
      [b.sn2, 'sn2'],
      [b.conv2, 'conv2'],
      [b.shortcut, 'shortcut'],
    ] as const)
      if (n) this.mapping.push(`${n} (${node(n).type}) -> ${at}.${part}`);
    this.setBatchNorm(`${at}.bn1`, bn1);
    this.tensors.set(`${at}.conv1.weight`, {
      data: chwToHwc(restored?.weight ?? c1.weight, c1.shape),
      shape: [3, 3, cin, c1.cout],
    });
    this.setBatchNorm(`${at}.bn2`, bn2);
    this.tensors.set(`${at}.conv2.weight`, {
      data: chwToHwc(c2.weight, c2.shape),
      shape: [3, 3, c1.cout, c2.cout],
    });
    if (shortcut) this.tensors.set(`${at}.shortcut.weight`, { data: shortcut, shape: [1, 1, cin, c2.cout] });
    if (sn1.plifW) this.tensors.set(`${at}.sn1.w`, sn1.plifW);
    if (sn2.plifW) this.tensors.set(`${at}.sn2.w`, sn2.plifW);

    // the sum node: an identity Scale (synaptogen's export) is the block's own sum, anything else reads it
    this.shape = c2.outShape;
    this.from = b.conv2;
    const sum = node(b.sum);
    const s = sum.params.scale;
    if (
      sum.type === 'Scale' &&
      typeof s === 'object' &&
      product(s.shape) === product(this.shape) &&
      s.data.every((v) => v === 1)
    )
      this.mapping.push(`${b.sum} (Scale of ones) -> the sum of ${at}`);
    else {
      this.mapping.push(`${b.sum} (${sum.type}) reads the sum of ${at}`);
      this.node(b.sum, sum, undefined);
    }
    this.spikes = false;
    this.from = b.sum;
  }

  /**
   * A BatchNorm that synaptogen exported on its own (a diagonal 1×1 Conv2d or Affine, see
   * `standaloneBatchNormNode`) and whose metadata folds to exactly its weights: pushed as the
   * BatchNorm. False for any other node.
   */
  private standaloneBatchNorm(name: string, node: NirNode, type: 'BatchNorm1d' | 'BatchNorm2d'): boolean {
    if (node.metadata.synaptogen_layer !== type) return false;
    const c = this.shape[0];
    const affine = this.perChannelAffine(name, node, c);
    if (!affine) return false;
    const restored = this.restoreBatchNorm(name, node, affine.scale, affine.shift, [c], ones(c));
    if (!restored) return false;
    this.pushBatchNorm(name, restored.bn, type);
    return true;
  }

  /** s and t of a node computing s·x + t per channel (a diagonal weight), or null. */
  private perChannelAffine(
    name: string,
    node: NirNode,
    c: number,
  ): { scale: Float32Array; shift: Float32Array } | null {
    const w = this.param(name, node, 'weight');
    const square = w.shape[0] === c && w.shape[1] === c && product(w.shape) === c * c;
    if (!square) return null;
    const scale = new Float32Array(c);
    for (let i = 0; i < c; i++)
      for (let j = 0; j < c; j++) {
        const v = w.data[i * c + j];
        if (i === j) scale[i] = v;
        else if (v !== 0) return null;
      }
    const b = node.params.bias === undefined ? null : this.param(name, node, 'bias');
    if (b && product(b.shape) !== c) return null;
    return { scale, shift: b ? Float32Array.from(b.data) : new Float32Array(c) };
  }

  /**
   * When a node carries synaptogen's unfolded BatchNorm and folding it gives exactly the node's
   * weights, returns the unfolded parts (so that re-import is bit-identical); otherwise null and the
   * folded weights are used as they are.
   */
  private restoreBatchNorm(
    name: string,
    node: NirNode,
    weight: Float32Array,
    bias: Float32Array | null,
    shape: number[],
    /** The weight before folding when the metadata does not carry it (a standalone BatchNorm: ones). */
    unfolded?: Float32Array,
  ): {
    weight: Float32Array;
    bias: Float32Array | null;
    bn: BatchNormFull;
  } | null {
    const m = node.metadata;
    if (typeof m.synaptogen_batchnorm !== 'string') return null;
    let info: { eps: number; momentum: number; type: string };
    try {
      info = JSON.parse(m.synaptogen_batchnorm);
    } catch {
      return null;
    }
    const arr = (k: string) => {
      const v = m[k] as NdArray | undefined;
      return v && typeof v === 'object' && 'data' in v ? Float32Array.from(v.data as Float32Array) : null;
    };
    const raw = unfolded ?? arr('synaptogen_weight');
    const gamma = arr('synaptogen_bn_weight');
    const beta = arr('synaptogen_bn_bias');
    const mean = arr('synaptogen_bn_running_mean');
    const variance = arr('synaptogen_bn_running_var');
    if (
      !raw ||
      !gamma ||
      !beta ||
      !mean ||
      !variance ||
      raw.length !== product(shape) ||
      gamma.length !== shape[0]
    )
      return null;
    const rawBias = arr('synaptogen_bias');
    const bn = { gamma, beta, mean, variance, eps: info.eps };
    const folded = foldBatchNorm(raw, rawBias, bn);
    const same = (a: Float32Array, b: Float32Array | null) =>
      b !== null && a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || v === b[i]);
    if (!same(folded.weight, weight) || !same(folded.bias, bias)) {
      this.mapping.push(
        `${name}: synaptogen BatchNorm metadata does not match the weights (edited elsewhere?); using the folded weights`,
      );
      return null;
    }
    return { weight: raw, bias: rawBias, bn: { ...bn, type: info.type, momentum: info.momentum } };
  }

  private pushBatchNorm(
    name: string,
    bn: BatchNormValues & { momentum: number },
    type: 'BatchNorm1d' | 'BatchNorm2d',
  ) {
    const i = this.push(
      name,
      { type, eps: bn.eps, momentum: bn.momentum },
      `${type} (unfolded from metadata)`,
    );
    this.setBatchNorm(`body.${i}`, bn);
  }

  private setBatchNorm(at: string, bn: BatchNormValues) {
    const n = bn.gamma.length;
    this.tensors.set(`${at}.weight`, { data: bn.gamma, shape: [n] });
    this.tensors.set(`${at}.bias`, { data: bn.beta, shape: [n] });
    this.tensors.set(`${at}.runningMean`, { data: bn.mean, shape: [n] });
    this.tensors.set(`${at}.runningVar`, { data: bn.variance, shape: [n] });
  }

  private dropout(m: Metadata) {
    const p = num(m.synaptogen_dropout_before);
    if (p !== undefined && p >= 0 && p < 1)
      this.push(this.from, { type: 'Dropout', p }, `Dropout(${p}) (from metadata)`);
  }

  private neuron(name: string, node: NirNode) {
    const { spec, gain, plifW } = this.neuronSpec(name, node);
    if (gain !== 1) this.scaleInput(name, gain);
    const i = this.push(name, { type: 'Neuron', neuron: spec }, `${spec.type} neuron`);
    if (plifW) this.tensors.set(`body.${i}.w`, plifW);
    this.spikes = true;
  }

  /** The synaptogen neuron of an IF or LIF node and its input gain r (1: none). */
  private neuronSpec(
    name: string,
    node: NirNode,
  ): { spec: NeuronSpecData; gain: number; plifW: Tensor | null } {
    const vThreshold = this.uniform(name, node, 'v_threshold');
    const vReset = node.params.v_reset === undefined ? 0 : this.uniform(name, node, 'v_reset');
    const r = this.uniform(name, node, 'r');
    let spec: NeuronSpecData;
    let gain = r;
    if (node.type === 'IF') {
      // v ← v + r·I per step, as Sinabs, Norse, snnTorch and SpiNNaker2 read NIR's IF
      spec = { type: 'IF', vThreshold, vReset };
    } else {
      const vLeak = this.uniform(name, node, 'v_leak');
      if (vLeak !== vReset)
        this.unsupported(
          name,
          `(LIF) v_leak ${vLeak} differs from v_reset ${vReset}; synaptogen's LIF leaks toward V_reset (SpikingJelly)`,
        );
      const l = this.leak(name, node);
      const { tau, decayInput } = l;
      gain = l.gain;
      spec = { type: 'LIF', tau, vThreshold, vReset, decayInput };
    }
    // synaptogen's own export: restore the exact spec (surrogate, detach_reset, PLIF) when it agrees
    const saved = parseNeuron(node.metadata.synaptogen_neuron);
    if (
      saved &&
      gain === 1 &&
      (saved.type === 'IF') === (spec.type === 'IF') &&
      saved.vThreshold === vThreshold &&
      saved.vReset === vReset &&
      (saved.type !== 'LIF' ||
        ((saved.decayInput !== false) === spec.decayInput &&
          Math.abs((saved.tau ?? 0) - (spec.tau ?? 0)) <= 1e-9 * (spec.tau ?? 1)))
    )
      spec = saved;
    const w = node.metadata.synaptogen_plif_w as NdArray | undefined;
    const plifW =
      spec.type === 'PLIF' && w && typeof w === 'object' && 'data' in w
        ? { data: Float32Array.from(w.data as Float32Array), shape: [] }
        : null;
    return { spec, gain, plifW };
  }

  /** τ in steps and the input gain of an LI or LIF node (Euler's step of τ·dv/dt = v_leak − v + r·I). */
  private leak(name: string, node: NirNode): { tau: number; decayInput: boolean; gain: number } {
    const tauSeconds = this.uniform(name, node, 'tau');
    const r = this.uniform(name, node, 'r');
    const tau = Number((tauSeconds / this.dt).toPrecision(12));
    if (!(tau > 1))
      this.unsupported(
        name,
        `(${node.type}) tau ${tauSeconds} s is ${tau} steps of dt = ${this.dt} s; synaptogen needs more than 1 step (pass a smaller dt)`,
      );
    // decay_input divides the input by τ(steps) = τ/dt, so r = 1 maps directly, r = τ/dt is
    // decay_input = false, any other r scales the input
    const decayInput = Math.abs(r - tau) > 1e-6 * tau;
    return { tau, decayInput, gain: decayInput ? r : 1 };
  }

  private leakyIntegrator(name: string, node: NirNode) {
    const vLeak = this.uniform(name, node, 'v_leak');
    const { tau, decayInput, gain } = this.leak(name, node);
    if (gain !== 1) this.scaleInput(name, gain);
    this.push(name, { type: 'LeakyIntegrator', tau, vLeak, decayInput }, 'LeakyIntegrator');
    this.spikes = false;
  }

  /** Multiplies the preceding synaptic layer's weights and bias by `gain`, or adds a Scale layer. */
  private scaleInput(name: string, gain: number) {
    const last = this.specs.length - 1;
    const spec = this.specs[last];
    if (spec && (spec.type === 'Linear' || spec.type === 'Conv2d')) {
      for (const key of ['weight', 'bias']) {
        const t = this.tensors.get(`body.${last}.${key}`);
        if (t) t.data = t.data.map((v) => v * gain);
      }
      this.mapping.push(`${name}: input gain r = ${gain} folded into body.${last}`);
      return;
    }
    const i = this.push(name, { type: 'Scale' }, `Scale(${gain}) for r`);
    const shape = this.shape.length === 3 ? [this.shape[1], this.shape[2], this.shape[0]] : [...this.shape];
    this.tensors.set(`body.${i}.scale`, { data: new Float32Array(product(shape)).fill(gain), shape });
  }

  private pool(name: string, node: NirNode, next: NirNode | undefined): boolean {
    if (this.shape.length !== 3)
      this.graphError(
        name,
        `(${node.type}) needs an input [C, H, W], node "${this.from}" gives [${this.shape}]`,
      );
    const kernel = this.square(name, node, 'kernel_size', this.pair(name, node, 'kernel_size'));
    const stride = this.square(name, node, 'stride', this.pair(name, node, 'stride', kernel));
    const padding = this.square(name, node, 'padding', this.pair(name, node, 'padding', 0));
    if (stride !== kernel || padding !== 0)
      this.unsupported(
        name,
        `(${node.type}) kernel ${kernel}, stride ${stride}, padding ${padding}: only stride = kernel and no padding are supported`,
      );
    const [c, h, w] = this.shape;
    const out = [c, Math.floor(h / kernel), Math.floor(w / kernel)];
    // SumPool2d → Threshold(θ ∈ [0, 1)) on spikes is max pooling (what synaptogen exports MaxPool2d as)
    const asMax =
      node.type === 'SumPool2d' &&
      this.spikes &&
      next?.type === 'Threshold' &&
      (() => {
        const t = next.params.threshold;
        return (
          typeof t === 'object' &&
          product(t.shape) === product(out) &&
          t.data.every((v) => v === t.data[0]) &&
          t.data[0] >= 0 &&
          t.data[0] < 1
        );
      })();
    if (asMax) {
      this.push(
        name,
        { type: 'MaxPool2d', kernelSize: kernel },
        `MaxPool2d(${kernel}) (SumPool2d → Threshold on spikes)`,
      );
      this.shape = out;
      this.spikes = true;
      return true;
    }
    if (node.type === 'AvgPool2d' && kernel === h && kernel === w && next?.type === 'Flatten') {
      // AvgPool over the whole image then Flatten: a global average (exported so by synaptogen)
      this.push(name, { type: 'GlobalAvgPool' }, 'GlobalAvgPool');
      this.shape = [c];
      this.spikes = false;
      return true;
    }
    this.push(name, { type: node.type as 'SumPool2d', kernelSize: kernel }, `${node.type}(${kernel})`);
    this.shape = out;
    this.spikes = false;
    return false;
  }

  private flatten(name: string, node: NirNode) {
    if (node.params.input_type !== undefined) {
      const s = this.intArray(name, node, 'input_type');
      if (s.join() !== this.shape.join())
        this.graphError(name, `(Flatten) input_type [${s}] but node "${this.from}" gives [${this.shape}]`);
    }
    const rank = this.shape.length;
    const norm = (d: number) => (d < 0 ? d + rank : d);
    const start = norm(node.params.start_dim === undefined ? 0 : this.intArray(name, node, 'start_dim')[0]);
    const end = norm(node.params.end_dim === undefined ? -1 : this.intArray(name, node, 'end_dim')[0]);
    if (rank > 1 && (start !== 0 || end !== rank - 1))
      this.unsupported(
        name,
        `(Flatten) start_dim ${start}, end_dim ${end} of a [${this.shape}] input: only whole-sample flattening is supported`,
      );
    if (rank === 1) return;
    this.push(name, { type: 'Flatten' }, 'Flatten');
    this.flattenedFrom = rank === 3 ? [...this.shape] : null;
    this.shape = [product(this.shape)];
  }
}

/** `cnn_sinabs` for `.../cnn_sinabs.nir`. */
function fileStem(file: string | undefined): string | undefined {
  const base = file
    ?.split(/[\\/]/)
    .pop()
    ?.replace(/\.[^.]*$/, '');
  return base || undefined;
}

const ones = (n: number) => new Float32Array(n).fill(1);

const EPS = 1e-5;
/**
 * A BatchNorm computing s·x + t: mean 0 and variance 1 − ε, which in float32 makes √(var + ε) exactly 1
 * (for the default ε), so γ = s and β = t pass through unchanged.
 */
function affineBatchNorm(scale: Float32Array, shift: Float32Array): BatchNormFull {
  const c = scale.length;
  return {
    gamma: scale,
    beta: shift,
    mean: new Float32Array(c),
    variance: new Float32Array(c).fill(Math.fround(1 - EPS)),
    eps: EPS,
    type: 'BatchNorm2d',
    momentum: 0.1,
  };
}

function num(v: Metadata[string] | undefined): number | undefined {
  if (v && typeof v === 'object' && 'data' in v && (v as NdArray).data.length === 1)
    return Number((v as NdArray).data[0]);
  return undefined;
}

function parseConfig(v: Metadata[string] | undefined): Partial<ModelConfig> | null {
  if (typeof v !== 'string') return null;
  try {
    return JSON.parse(v) as Partial<ModelConfig>;
  } catch {
    return null;
  }
}

function parseNeuron(v: Metadata[string] | undefined): NeuronSpecData | null {
  if (typeof v !== 'string') return null;
  try {
    const d = JSON.parse(v) as NeuronSpecData;
    return d && typeof d === 'object' && ['IF', 'LIF', 'PLIF'].includes(d.type) ? d : null;
  } catch {
    return null;
  }
}

/** g when `w` ([out, in]) averages consecutive groups of g inputs (exactly float32(1/g)), else 0. */
function groupAverage(w: Float32Array, outF: number, inF: number): number {
  if (inF % outF !== 0 || inF === outF) return 0;
  const g = inF / outF;
  const v = Math.fround(1 / g);
  for (let o = 0; o < outF; o++)
    for (let i = 0; i < inF; i++) if (w[o * inF + i] !== (Math.floor(i / g) === o ? v : 0)) return 0;
  return g;
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
