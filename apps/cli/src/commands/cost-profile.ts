/**
 * Measures a trained model's hardware profile on real data: the weights that exist, and the events that
 * arrive at every synaptic layer's input, per position and time step (what `@synaptogen/hardware` counts).
 *
 * The model runs exactly as `SpikingModel.forward` runs it (eval mode, state reset per batch), one body
 * layer at a time, so the input of each Linear/Conv2d can be observed on the device and only per-position
 * counts travel back to the host.
 */
import {
  buildProfile,
  type CommonLayerOptions,
  conv2dLayer,
  linearLayer,
  type NetworkProfile,
  type Shape3,
} from '@synaptogen/hardware';
import type { Batch, Conv2d, Linear, Module, Signal, SpikingModel } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';

/** |w| below this is a pruned synapse (the threshold Grad R and `train`'s connectivity use). */
export const ZERO_WEIGHT = 1e-10;

/** Body modules the profiler can walk: synaptic layers and what may sit between them. */
const PASS_THROUGH = new Set([
  'BatchNorm1d',
  'BatchNorm2d',
  'Neuron',
  'MaxPool2d',
  'AvgPool2d',
  'Flatten',
  'Dropout',
  'GroupAverage',
  'GlobalAvgPool',
]);

export interface ProfileModelOptions {
  /** Stop after this many samples (default: every batch). */
  samples?: number;
  /** Free-form provenance stored in `profile.meta`. */
  meta?: NetworkProfile['meta'];
  /** Called after each batch with the samples measured so far. */
  onBatch?: (samples: number) => void;
}

interface Probe {
  index: number;
  module: Linear | Conv2d;
  /** Whether stateful neurons follow before the next synaptic layer. */
  neurons: boolean;
  /** Body index of that neuron layer (its output spikes tell which channels ever fire). */
  neuronIndex: number | null;
  /** Per-sample input shape as seen (without T and N). */
  shape?: number[];
  /** The `[H, W, C]` a Flatten turned into this linear layer's features. */
  flattenedFrom?: Shape3;
  temporal?: boolean;
  counts?: Float64Array;
  perStep?: Float64Array;
  /** Some input value was neither 0 nor 1. */
  analog: boolean;
  /** Spikes per output channel at the following neuron layer. */
  outSpikes?: Float64Array;
}

function plan(body: Module[]): Probe[] {
  const probes: Probe[] = [];
  body.forEach((m, i) => {
    if (m.kind === 'Linear' || m.kind === 'Conv2d') {
      probes.push({
        index: i,
        module: m as Linear | Conv2d,
        neurons: false,
        neuronIndex: null,
        analog: false,
      });
    } else if (!PASS_THROUGH.has(m.kind)) {
      throw new Error(
        `cost: the profiler cannot walk a ${m.kind} layer (body.${i}); it handles sequential stacks of Linear, Conv2d, BatchNorm, Neuron, pooling, Flatten and Dropout`,
      );
    } else if (m.kind === 'Neuron') {
      const last = probes.at(-1);
      if (last && last.neuronIndex === null) {
        last.neurons = true;
        last.neuronIndex = i;
      }
    }
  });
  if (!probes.length) throw new Error('cost: the model has no Linear or Conv2d layer');
  return probes;
}

/** Nonzero events per input position `[P]` and per step `[steps]`, and whether any value is non-binary. */
function observe(x: tf.Tensor, temporal: boolean) {
  return tf.tidy(() => {
    const steps = temporal ? x.shape[0] : 1;
    const n = (temporal ? x.shape[1] : x.shape[0]) as number;
    const flat = tf.reshape(x, [steps, n, -1]);
    const events = tf.cast(tf.notEqual(flat, 0), 'int32');
    const counts = tf.sum(events, [0, 1]).dataSync();
    const perStep = tf.sum(events, [1, 2]).dataSync();
    const analog = tf.any(tf.logicalAnd(tf.notEqual(flat, 0), tf.notEqual(flat, 1))).dataSync()[0] !== 0;
    return { counts, perStep, analog };
  });
}

function addInto(target: Float64Array, values: ArrayLike<number>): void {
  for (let i = 0; i < target.length; i++) target[i] += values[i];
}

/** Runs one batch through the body, updating the probes. Returns the batch size. */
function measureBatch(model: SpikingModel, probes: Probe[], batch: Batch): number {
  const byIndex = new Map(probes.map((p) => [p.index, p]));
  const byNeuron = new Map(probes.filter((p) => p.neuronIndex !== null).map((p) => [p.neuronIndex!, p]));
  const body = model.body.layers;
  return tf.tidy(() => {
    const x = tf.tensor(batch.inputs, [...batch.shape], 'float32');
    const timeMajor = model.config.inputShape.length === 4;
    const expected = model.config.inputShape;
    const sample = timeMajor ? [x.shape[0], ...x.shape.slice(2)] : x.shape.slice(1);
    if (x.rank !== expected.length + 1 || expected.some((d, i) => sample[i] !== d)) {
      throw new Error(
        `cost: the data gives samples of shape [${sample.join(', ')}] but model ${model.config.name} expects [${expected.join(', ')}]; pass the dataset it was trained on (--dataset)`,
      );
    }
    const ctx = { T: timeMajor ? expected[0] : model.config.T, training: false };
    const n = (timeMajor ? x.shape[1] : x.shape[0]) as number;
    model.resetState();
    // the same layout changes as SpikingModel.forward: NCHW → NHWC, [T, N, C, H, W] → [T, N, H, W, C]
    let signal: Signal;
    if (x.rank === 4) signal = { x: tf.transpose(x, [0, 2, 3, 1]), temporal: false };
    else if (x.rank === 5) signal = { x: tf.transpose(x, [0, 1, 3, 4, 2]), temporal: true };
    else signal = { x, temporal: false };
    let flattenedFrom: Shape3 | undefined;
    body.forEach((layer, i) => {
      const probe = byIndex.get(i);
      if (probe) {
        const shape = signal.x.shape.slice(signal.temporal ? 2 : 1);
        const seen = observe(signal.x, signal.temporal);
        if (!probe.counts) {
          probe.shape = shape;
          probe.temporal = signal.temporal;
          probe.flattenedFrom = flattenedFrom;
          probe.counts = new Float64Array(seen.counts.length);
          probe.perStep = new Float64Array(seen.perStep.length);
        }
        addInto(probe.counts, seen.counts);
        addInto(probe.perStep!, seen.perStep);
        probe.analog ||= seen.analog;
        flattenedFrom = undefined;
      }
      if (layer.kind === 'Flatten') {
        const s = signal.x.shape.slice(signal.temporal ? 2 : 1);
        flattenedFrom = s.length === 3 ? (s as unknown as Shape3) : undefined;
      } else if (layer.kind === 'GlobalAvgPool') {
        flattenedFrom = undefined;
      }
      signal = layer.call(signal, ctx);
      const owner = byNeuron.get(i);
      if (owner) {
        const c = signal.x.shape[signal.x.rank - 1];
        const perChannel = tf.sum(tf.reshape(tf.cast(tf.notEqual(signal.x, 0), 'int32'), [-1, c]), 0);
        owner.outSpikes ??= new Float64Array(c);
        addInto(owner.outSpikes, perChannel.dataSync());
      }
    });
    return n;
  });
}

/** 0/1 per weight in the profile layout ([in, out] or [kh, kw, in, out]): 1 where |w| ≥ ZERO_WEIGHT. */
function weightMask(w: tf.Tensor): { mask: Uint8Array; dense: boolean } {
  const values = w.dataSync();
  const mask = new Uint8Array(values.length);
  let kept = 0;
  for (let i = 0; i < values.length; i++) {
    if (Math.abs(values[i]) >= ZERO_WEIGHT) {
      mask[i] = 1;
      kept++;
    }
  }
  return { mask, dense: kept === values.length };
}

/**
 * Output channels that are gone: no incoming synapse and never a spike while measured. Such a neuron's
 * drive does not depend on the input, so it never fires; hardware need not host it.
 */
function deadChannels(
  mask: Uint8Array,
  outC: number,
  outSpikes: Float64Array | undefined,
): Uint8Array | null {
  if (!outSpikes || outSpikes.length !== outC) return null;
  const alive = new Uint8Array(outC);
  for (let i = 0; i < mask.length; i++) if (mask[i]) alive[i % outC] = 1;
  let dead = 0;
  for (let c = 0; c < outC; c++) {
    if (!alive[c] && outSpikes[c] === 0) dead++;
    else alive[c] = 1;
  }
  return dead ? alive : null;
}

/**
 * Measures a model's network profile on batches of real data (the test split, preprocessed as in
 * training). Each synaptic layer records events per input position summed over time steps and samples;
 * inputs that are not all 0/1 (the direct-encoded image, average-pooled spikes) count as analog.
 */
export async function profileModel(
  model: SpikingModel,
  batches: AsyncIterable<Batch> | Iterable<Batch>,
  options: ProfileModelOptions = {},
): Promise<NetworkProfile> {
  const probes = plan(model.body.layers);
  const wasTraining = model.training;
  model.eval();
  let samples = 0;
  try {
    for await (const batch of batches) {
      const room = options.samples === undefined ? Number.POSITIVE_INFINITY : options.samples - samples;
      if (room <= 0) break;
      const n = batch.shape[model.config.inputShape.length === 4 ? 1 : 0];
      const use = n <= room ? batch : sliceBatch(batch, room, model.config.inputShape.length === 4);
      samples += measureBatch(model, probes, use);
      options.onBatch?.(samples);
    }
  } finally {
    model.resetState();
    model.train(wasTraining);
  }
  if (samples === 0) throw new Error('cost: no samples to measure (the data source yielded no batch)');

  const layers: Parameters<typeof buildProfile>[0]['layers'] = [];
  let inMask: Uint8Array | undefined;
  for (const p of probes) {
    const name = `body.${p.index}`;
    const { mask, dense } = weightMask(p.module.weight);
    const outC = p.module.kind === 'Linear' ? p.module.outFeatures : p.module.outChannels;
    const outMask = p.neurons ? deadChannels(mask, outC, p.outSpikes) : null;
    const common: CommonLayerOptions = {
      name,
      input: p.analog ? 'analog' : 'spikes',
      steps: p.temporal ? p.perStep!.length : 1,
      neurons: p.neurons,
      weights: dense ? undefined : mask,
      activity: { kind: 'measured', samples, counts: p.counts!, perStep: p.perStep },
      outChannelMask: outMask ?? undefined,
    };
    if (p.module.kind === 'Linear') {
      const inputShape = p.flattenedFrom;
      layers.push(
        linearLayer({
          ...common,
          inFeatures: p.module.inFeatures,
          outFeatures: p.module.outFeatures,
          inputShape,
          inChannelMask:
            inMask && inMask.length === (inputShape?.[2] ?? p.module.inFeatures) ? inMask : undefined,
        }),
      );
    } else {
      const [h, w] = p.shape!;
      layers.push(
        conv2dLayer({
          ...common,
          inChannels: p.module.inChannels,
          outChannels: p.module.outChannels,
          inputSize: [h, w],
          kernel: p.module.kernelSize,
          stride: p.module.stride,
          padding: p.module.padding,
          inChannelMask: inMask && inMask.length === p.module.inChannels ? inMask : undefined,
        }),
      );
    }
    inMask = outMask ?? undefined;
  }
  const shape = model.config.inputShape;
  const [c, h, w] = shape.length === 4 ? shape.slice(1) : shape;
  return buildProfile({
    timeSteps: model.config.T,
    layers,
    inputShape: shape.length >= 3 ? [h, w, c] : undefined,
    meta: { model: model.config.name, samples, ...options.meta },
  });
}

/** The first `n` samples of a batch (the last batch of a `--samples` budget). */
function sliceBatch(batch: Batch, n: number, timeMajor: boolean): Batch {
  const shape = [...batch.shape];
  if (!timeMajor) {
    const per = batch.inputs.length / shape[0];
    shape[0] = n;
    return { inputs: batch.inputs.subarray(0, n * per), shape, labels: Array.from(batch.labels).slice(0, n) };
  }
  const [T, N] = shape;
  const per = batch.inputs.length / (T * N);
  const inputs = new Float32Array(T * n * per);
  for (let t = 0; t < T; t++) inputs.set(batch.inputs.subarray(t * N * per, (t * N + n) * per), t * n * per);
  shape[1] = n;
  return { inputs, shape, labels: Array.from(batch.labels).slice(0, n) };
}
