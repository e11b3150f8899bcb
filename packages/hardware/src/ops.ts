/**
 * Operation counts per sample (NeuroBench-style): dense MACs, effective ACs (binary inputs × nonzero
 * fan-out) and effective MACs (analog inputs × nonzero fan-out), membrane updates, sparsities.
 */
import { activeOutputs, effectiveWeightCount, fanOut } from './connectivity.js';
import {
  inputShape3,
  inputSize,
  type LayerProfile,
  type NetworkProfile,
  validateProfile,
  weightCount,
} from './profile.js';

export interface LayerOps {
  name: string;
  kind: LayerProfile['kind'];
  input: LayerProfile['input'];
  steps: number;
  /**
   * Multiply-accumulates of one dense forward pass with masked channels removed: every weight position
   * times every output position (the usual framework count; padded borders included). ANN-equivalent.
   */
  denseMACs: number;
  /** denseMACs × steps: what a clock-driven implementation that skips nothing would execute. */
  denseSynOps: number;
  /** Per sample: Σ over input spikes of the spike's nonzero fan-out (0 for analog-input layers). */
  effectiveACs: number;
  /** Per sample: Σ over nonzero analog inputs of their nonzero fan-out (0 for spiking-input layers). */
  effectiveMACs: number;
  /** Output neurons (masked channels removed). */
  neurons: number;
  /** neurons × T when the layer has neurons. */
  membraneUpdates: number;
  /** Weight positions as shaped. */
  weights: number;
  /** Weights that exist: mask nonzero and both channels unmasked. */
  nonzeroWeights: number;
  /** 1 − nonzeroWeights / weights. */
  connectionSparsity: number;
  /** Input events per sample (spikes, or nonzero analog values). */
  inputEvents: number;
  /** Input events / (input positions × steps). */
  inputRate: number;
  /** 1 − inputRate. */
  activationSparsity: number;
}

/** The network's totals: each count summed over the layers, the sparsities of the sums. */
export type OpsTotals = Omit<LayerOps, 'name' | 'kind' | 'input' | 'steps' | 'inputRate'>;

export interface OpsReport {
  timeSteps: number;
  layers: LayerOps[];
  total: OpsTotals;
}

function activeCount(mask: Uint8Array | undefined, n: number): number {
  if (!mask) return n;
  let k = 0;
  for (let i = 0; i < n; i++) if (mask[i]) k++;
  return k;
}

function denseMACsOf(layer: LayerProfile): number {
  if (layer.kind === 'linear') {
    const [h, w, c] = inputShape3(layer);
    const inActive = h * w * activeCount(layer.inChannelMask, c);
    return inActive * activeCount(layer.outChannelMask, layer.outFeatures);
  }
  return (
    layer.outputSize[0] *
    layer.outputSize[1] *
    activeCount(layer.outChannelMask, layer.outChannels) *
    activeCount(layer.inChannelMask, layer.inChannels) *
    layer.kernel[0] *
    layer.kernel[1]
  );
}

/** Σ_p events(p) · fanOut(p), per sample. */
function effectiveOps(layer: LayerProfile, fan: Float64Array): { ops: number; events: number } {
  const a = layer.activity;
  if (a.kind === 'rate') {
    let sum = 0;
    for (let p = 0; p < fan.length; p++) sum += fan[p];
    return { ops: a.rate * layer.steps * sum, events: a.rate * layer.steps * fan.length };
  }
  let ops = 0;
  let events = 0;
  for (let p = 0; p < fan.length; p++) {
    ops += a.counts[p] * fan[p];
    events += a.counts[p];
  }
  return { ops: ops / a.samples, events: events / a.samples };
}

export function countLayerOps(layer: LayerProfile, timeSteps: number): LayerOps {
  const fan = fanOut(layer);
  const { ops, events } = effectiveOps(layer, fan);
  const denseMACs = denseMACsOf(layer);
  const weights = weightCount(layer);
  const nonzeroWeights = effectiveWeightCount(layer);
  const neurons = activeOutputs(layer).length;
  const slots = inputSize(layer) * layer.steps;
  const inputRate = events / slots;
  return {
    name: layer.name,
    kind: layer.kind,
    input: layer.input,
    steps: layer.steps,
    denseMACs,
    denseSynOps: denseMACs * layer.steps,
    effectiveACs: layer.input === 'spikes' ? ops : 0,
    effectiveMACs: layer.input === 'analog' ? ops : 0,
    neurons,
    membraneUpdates: layer.neurons === false ? 0 : neurons * timeSteps,
    weights,
    nonzeroWeights,
    connectionSparsity: 1 - nonzeroWeights / weights,
    inputEvents: events,
    inputRate,
    activationSparsity: 1 - inputRate,
  };
}

/** Counts operations per sample for every layer and in total. */
export function countOps(profile: NetworkProfile): OpsReport {
  validateProfile(profile);
  const layers = profile.layers.map((l) => countLayerOps(l, profile.timeSteps));
  const sum = (f: (l: LayerOps) => number) => layers.reduce((s, l) => s + f(l), 0);
  const weights = sum((l) => l.weights);
  const nonzeroWeights = sum((l) => l.nonzeroWeights);
  const inputEvents = sum((l) => l.inputEvents);
  const slots = profile.layers.reduce((s, l) => s + inputSize(l) * l.steps, 0);
  return {
    timeSteps: profile.timeSteps,
    layers,
    total: {
      denseMACs: sum((l) => l.denseMACs),
      denseSynOps: sum((l) => l.denseSynOps),
      effectiveACs: sum((l) => l.effectiveACs),
      effectiveMACs: sum((l) => l.effectiveMACs),
      neurons: sum((l) => l.neurons),
      membraneUpdates: sum((l) => l.membraneUpdates),
      weights,
      nonzeroWeights,
      connectionSparsity: 1 - nonzeroWeights / weights,
      inputEvents,
      activationSparsity: 1 - inputEvents / slots,
    },
  };
}
