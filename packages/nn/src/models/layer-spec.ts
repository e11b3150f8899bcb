import { neuronTypes, type SurrogateName, surrogate } from '@synaptogen/neurons';
import { BatchNorm1d, BatchNorm2d } from '../layers/batchnorm.js';
import { Conv2d } from '../layers/conv2d.js';
import { GlobalAvgPool } from '../layers/global-pool.js';
import { LeakyIntegrator } from '../layers/leaky-integrator.js';
import { Linear } from '../layers/linear.js';
import { Neuron, type NeuronSpec } from '../layers/neuron.js';
import { PreActBlock } from '../layers/preact-block.js';
import { Scale } from '../layers/scale.js';
import { Sequential } from '../layers/sequential.js';
import { AvgPool2d, Dropout, Flatten, GroupAverage, MaxPool2d } from '../layers/shape.js';
import { SumPool2d } from '../layers/sum-pool.js';
import { Threshold } from '../layers/threshold.js';
import type { Module } from '../module.js';
import { Rng } from '../rng.js';

/** A neuron as JSON: the surrogate by name and α (see `NeuronSpec`). */
export interface NeuronSpecData {
  /** IF, LIF, PLIF or a name added with `registerNeuron`. */
  type: 'IF' | 'LIF' | 'PLIF' | (string & {});
  vThreshold?: number;
  vReset?: number | null;
  detachReset?: boolean;
  surrogate?: SurrogateName;
  surrogateAlpha?: number;
  /** LIF: τ; PLIF: the initial τ₀ (its learned w is a parameter tensor). */
  tau?: number;
  decayInput?: boolean;
  /** A registered neuron's own settings (numbers, strings, booleans, null), given to its factory. */
  options?: Record<string, number | string | boolean | null>;
}

const BUILT_IN = new Set(['IF', 'LIF', 'PLIF']);
const COMMON = new Set(['type', 'vThreshold', 'vReset', 'detachReset', 'surrogate', 'stepMode', 'fused']);

/**
 * One layer of a `Sequential` as plain data: the model's architecture stored in a checkpoint. Input
 * sizes are not stored; they follow from the model's input shape, so that a config override of a
 * conv's width (`extra.channels`, what channel compaction writes) resizes everything after it.
 */
export type LayerSpec =
  | { type: 'Linear'; outFeatures: number; bias: boolean }
  | {
      type: 'Conv2d';
      outChannels: number;
      kernelSize: number;
      stride: number;
      padding: number;
      bias: boolean;
    }
  | { type: 'BatchNorm1d' | 'BatchNorm2d'; eps: number; momentum: number }
  | { type: 'Neuron'; neuron: NeuronSpecData }
  | { type: 'LeakyIntegrator'; tau: number; vLeak: number; decayInput: boolean }
  | { type: 'MaxPool2d' | 'AvgPool2d' | 'SumPool2d'; kernelSize: number }
  | { type: 'Flatten' }
  | { type: 'GlobalAvgPool' }
  | { type: 'Dropout'; p: number }
  | { type: 'GroupAverage'; groupSize: number }
  | { type: 'Threshold'; threshold: number }
  | { type: 'Scale' }
  | { type: 'PreActBlock'; midChannels: number; outChannels: number; stride: number; neuron: NeuronSpecData }
  | { type: 'Sequential'; layers: LayerSpec[] };

export function neuronSpecData(n: Neuron): NeuronSpecData {
  const node = n.node as Neuron['node'] & { tau?: number; decayInput?: boolean };
  const out: NeuronSpecData = {
    type: n.spec.type,
    vThreshold: node.vThreshold,
    vReset: node.vReset,
    detachReset: node.detachReset,
    surrogate: node.surrogate.name,
    surrogateAlpha: node.surrogate.alpha,
  };
  if (!BUILT_IN.has(n.spec.type)) {
    const own = Object.entries(n.spec).filter(([key, v]) => !COMMON.has(key) && v !== undefined);
    const notData = own.find(([, v]) => v !== null && !['number', 'string', 'boolean'].includes(typeof v));
    if (notData)
      throw new Error(
        `neuron ${n.spec.type}: option ${notData[0]} is not a number, string, boolean or null, so the model cannot be stored as data`,
      );
    if (own.length) out.options = Object.fromEntries(own) as NeuronSpecData['options'];
  } else if (n.spec.type !== 'IF') {
    out.tau = node.tau;
    out.decayInput = node.decayInput;
  }
  return out;
}

export function neuronSpec(d: NeuronSpecData): NeuronSpec {
  const { type, surrogate: name, surrogateAlpha, tau, decayInput, options, ...common } = d;
  const sg = name ? { surrogate: surrogate(name, surrogateAlpha) } : {};
  if (type === 'IF') return { type, ...common, ...sg };
  if (type === 'LIF') return { type, ...common, ...sg, tau, decayInput };
  if (type === 'PLIF') return { type, ...common, ...sg, initTau: tau, decayInput };
  if (neuronTypes().includes(type)) return { ...options, type, ...common, ...sg };
  throw new Error(
    `unknown neuron type "${type}"; expected one of ${neuronTypes().join(', ')} (register it with registerNeuron before loading)`,
  );
}

/** The spec of one layer; throws for a layer kind that has no data form (register such models with `registerModel`). */
export function describeLayer(m: Module): LayerSpec {
  if (m instanceof Linear) return { type: 'Linear', outFeatures: m.outFeatures, bias: m.bias !== null };
  if (m instanceof Conv2d)
    return {
      type: 'Conv2d',
      outChannels: m.outChannels,
      kernelSize: m.kernelSize,
      stride: m.stride,
      padding: m.padding,
      bias: m.bias !== null,
    };
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d)
    return { type: m.kind as 'BatchNorm1d' | 'BatchNorm2d', eps: m.eps, momentum: m.momentum };
  if (m instanceof Neuron) return { type: 'Neuron', neuron: neuronSpecData(m) };
  if (m instanceof LeakyIntegrator)
    return { type: 'LeakyIntegrator', tau: m.tau, vLeak: m.vLeak, decayInput: m.decayInput };
  if (m instanceof MaxPool2d || m instanceof AvgPool2d || m instanceof SumPool2d)
    return { type: m.kind as 'MaxPool2d', kernelSize: m.kernelSize };
  if (m instanceof Flatten) return { type: 'Flatten' };
  if (m instanceof GlobalAvgPool) return { type: 'GlobalAvgPool' };
  if (m instanceof Dropout) return { type: 'Dropout', p: m.p };
  if (m instanceof GroupAverage) return { type: 'GroupAverage', groupSize: m.groupSize };
  if (m instanceof Threshold) return { type: 'Threshold', threshold: m.threshold };
  if (m instanceof Scale) return { type: 'Scale' };
  if (m instanceof PreActBlock)
    return {
      type: 'PreActBlock',
      midChannels: m.midChannels,
      outChannels: m.outChannels,
      stride: m.stride,
      neuron: neuronSpecData(m.sn1),
    };
  if (m instanceof Sequential) return { type: 'Sequential', layers: describeLayers(m) };
  throw new Error(`layer kind "${m.kind}" has no data form; register the model with registerModel() instead`);
}

export function describeLayers(seq: Sequential): LayerSpec[] {
  return seq.layers.map(describeLayer);
}

/** The shape a body sees for a config input shape: `[C, H, W]` (or `[T, C, H, W]`) → NHWC's `[H, W, C]`. */
export function bodyInputShape(inputShape: readonly number[]): number[] {
  if (inputShape.length === 1) return [...inputShape];
  const s = inputShape.length === 4 ? inputShape.slice(1) : inputShape;
  if (s.length !== 3)
    throw new Error(`input shape [${inputShape}] is neither [features], [C, H, W] nor [T, C, H, W]`);
  return [s[1], s[2], s[0]];
}

export interface BuildLayersOptions {
  /** Module path of the list ("body"): the key prefix of `channels`. */
  path: string;
  /** Out-channels overrides by conv path (`extra.channels`). */
  channels?: Record<string, number>;
}

/** Builds layers from their specs, inferring each input size from the running shape (NHWC, no batch). */
export function buildLayers(
  specs: readonly LayerSpec[],
  inputShape: readonly number[],
  rng: Rng = new Rng(0),
  options: BuildLayersOptions = { path: 'body' },
): Module[] {
  let shape = [...inputShape];
  const out: Module[] = [];
  const channels = options.channels ?? {};
  specs.forEach((spec, i) => {
    const path = `${options.path}.${i}`;
    const fail = (msg: string): never => {
      throw new Error(`layer ${path} (${spec.type}): ${msg}`);
    };
    const last = shape[shape.length - 1];
    const image = () => shape.length === 3 || fail(`needs an image input [H, W, C], got [${shape}]`);
    const positive = (n: number, what: string) =>
      (Number.isInteger(n) && n >= 1) || fail(`${what} must be a positive integer, got ${n}`);
    let m: Module;
    switch (spec.type) {
      case 'Linear':
        if (shape.length !== 1) fail(`needs a flat input [features], got [${shape}] (add a Flatten)`);
        positive(spec.outFeatures, 'outFeatures');
        m = new Linear(last, spec.outFeatures, rng, { bias: spec.bias });
        break;
      case 'Conv2d': {
        image();
        const outC = channels[path] ?? spec.outChannels;
        positive(outC, 'outChannels');
        positive(spec.kernelSize, 'kernelSize');
        positive(spec.stride, 'stride');
        m = new Conv2d(last, outC, rng, {
          kernelSize: spec.kernelSize,
          stride: spec.stride,
          padding: spec.padding,
          bias: spec.bias,
        });
        break;
      }
      case 'BatchNorm1d':
      case 'BatchNorm2d':
        if (spec.type === 'BatchNorm2d') image();
        m = new (spec.type === 'BatchNorm1d' ? BatchNorm1d : BatchNorm2d)(last, {
          eps: spec.eps,
          momentum: spec.momentum,
        });
        break;
      case 'Neuron':
        m = new Neuron(neuronSpec(spec.neuron));
        break;
      case 'LeakyIntegrator':
        m = new LeakyIntegrator(spec.tau, spec.vLeak, spec.decayInput);
        break;
      case 'MaxPool2d':
      case 'AvgPool2d':
      case 'SumPool2d':
        image();
        positive(spec.kernelSize, 'kernelSize');
        m = new { MaxPool2d, AvgPool2d, SumPool2d }[spec.type](spec.kernelSize);
        break;
      case 'Flatten':
        m = new Flatten();
        break;
      case 'GlobalAvgPool':
        image();
        m = new GlobalAvgPool();
        break;
      case 'Dropout':
        m = new Dropout(spec.p, rng);
        break;
      case 'GroupAverage':
        positive(spec.groupSize, 'groupSize');
        if (shape.length !== 1 || last % spec.groupSize !== 0)
          fail(`needs a flat input divisible by ${spec.groupSize}, got [${shape}]`);
        m = new GroupAverage(spec.groupSize);
        break;
      case 'Threshold':
        m = new Threshold(spec.threshold);
        break;
      case 'Scale':
        m = new Scale(shape);
        break;
      case 'PreActBlock': {
        image();
        const mid = channels[`${path}.conv1`] ?? spec.midChannels;
        const neuron = neuronSpec(spec.neuron);
        m = new PreActBlock(last, mid, spec.outChannels, spec.stride, () => new Neuron(neuron), rng);
        break;
      }
      case 'Sequential':
        m = new Sequential(buildLayers(spec.layers, shape, rng, { path, channels }));
        break;
      default:
        fail(
          `unknown layer type; expected one of Linear, Conv2d, BatchNorm1d, BatchNorm2d, Neuron, LeakyIntegrator, MaxPool2d, AvgPool2d, SumPool2d, Flatten, GlobalAvgPool, Dropout, GroupAverage, Threshold, Scale, PreActBlock, Sequential`,
        );
    }
    shape = m!.outputShape(shape);
    if (shape.some((d) => !(Number.isInteger(d) && d >= 1))) fail(`output shape [${shape}] is empty`);
    out.push(m!);
  });
  return out;
}
