/**
 * Measures a model's network profile (the plain data `@synaptogen/hardware` prices): which weights
 * exist, and the events that arrive at every synaptic layer's input, per position and time step.
 *
 * The model runs exactly as `SpikingModel.forward` runs it (eval mode, state reset per batch), one
 * body layer at a time, so the input of each Linear/Conv2d is observed on the device and only
 * per-position counts travel back to the host.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Conv2d } from '../layers/conv2d.js';
import type { Linear } from '../layers/linear.js';
import type { SpikingModel } from '../models/spiking-model.js';
import type { Module, Signal } from '../module.js';
import type { Batch } from '../train/trainer.js';
import {
  type LayerActivity,
  type LayerProfile,
  type NetworkProfile,
  PROFILE_VERSION,
  type ProfileShape3,
} from './format.js';

/** |w| below this is a pruned synapse (the threshold Grad R and connectivity reports use). */
export const ZERO_WEIGHT = 1e-10;

/** Body modules the profiler can walk: synaptic layers and what may sit between them. */
const PASS_THROUGH = new Set([
  'BatchNorm1d',
  'BatchNorm2d',
  'Neuron',
  'MaxPool2d',
  'AvgPool2d',
  'SumPool2d',
  'Threshold',
  'Scale',
  'LeakyIntegrator',
  'Flatten',
  'Dropout',
  'GroupAverage',
  'GlobalAvgPool',
]);

/** Layers that keep 0/1 spikes 0/1 (a max of spikes is a spike; dropout is off in eval). */
const KEEPS_SPIKES = new Set(['MaxPool2d', 'Flatten', 'Dropout']);

export interface ProfileOptions {
  /** Stop after this many samples (default: every batch). */
  samples?: number;
  /** Called after each batch with the number of samples measured so far. */
  onBatch?: (samples: number) => void;
  /** Free-form provenance stored in `profile.meta` (checkpoint, dataset...). */
  meta?: NetworkProfile['meta'];
}

export interface ProfileWeightsOptions {
  /** Assumed probability that an input position carries an event per evaluation (default 1). */
  rate?: number;
  meta?: NetworkProfile['meta'];
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
  flattenedFrom?: ProfileShape3;
  temporal?: boolean;
  /** Without data: whether the input is 0/1 spikes by construction (raw time-major input, or neurons). */
  spikesByConstruction?: boolean;
  counts?: Float64Array;
  perStep?: Float64Array;
  /** Some measured input value was neither 0 nor 1. */
  analog: boolean;
  /** Spikes per output channel at the following neuron layer. */
  outSpikes?: Float64Array;
}

function plan(body: Module[], caller: string): Probe[] {
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
        `${caller}: cannot walk a ${m.kind} layer (body.${i}); it handles sequential stacks of Linear, Conv2d, BatchNorm, Neuron, pooling, Flatten and Dropout`,
      );
    } else if (m.kind === 'Neuron') {
      const last = probes.at(-1);
      if (last && last.neuronIndex === null) {
        last.neurons = true;
        last.neuronIndex = i;
      }
    }
  });
  if (!probes.length) throw new Error(`${caller}: the model has no Linear or Conv2d layer`);
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
function measureBatch(model: SpikingModel, probes: Probe[], batch: Batch, caller: string): number {
  const byIndex = new Map(probes.map((p) => [p.index, p]));
  const byNeuron = new Map(probes.filter((p) => p.neuronIndex !== null).map((p) => [p.neuronIndex!, p]));
  const body = model.body.layers;
  return tf.tidy(() => {
    const x = tf.tensor(batch.inputs, [...batch.shape], 'float32');
    const expected = model.config.inputShape;
    const timeMajor = expected.length === 4;
    const sample = timeMajor ? [x.shape[0], ...x.shape.slice(2)] : x.shape.slice(1);
    if (x.rank !== expected.length + 1 || expected.some((d, i) => sample[i] !== d)) {
      throw new Error(
        `${caller}: the data gives samples of shape [${sample.join(', ')}] but model ${model.config.name} expects [${expected.join(', ')}]; pass the dataset it was trained on (--dataset)`,
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
    let flattenedFrom: ProfileShape3 | undefined;
    let spikes = signal.temporal;
    body.forEach((layer, i) => {
      const probe = byIndex.get(i);
      if (probe) {
        const shape = signal.x.shape.slice(signal.temporal ? 2 : 1);
        const seen = observe(signal.x, signal.temporal);
        if (!probe.counts) {
          probe.shape = shape;
          probe.temporal = signal.temporal;
          probe.flattenedFrom = flattenedFrom;
          probe.spikesByConstruction = spikes;
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
        flattenedFrom = s.length === 3 ? (s as unknown as ProfileShape3) : undefined;
      } else if (layer.kind === 'GlobalAvgPool') {
        flattenedFrom = undefined;
      }
      spikes =
        layer.kind === 'Neuron' || layer.kind === 'Threshold' || (spikes && KEEPS_SPIKES.has(layer.kind));
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

/** Turns walked probes into profile layers; `activity` gives each probe's input activity. */
function assemble(
  model: SpikingModel,
  probes: Probe[],
  activity: (p: Probe) => { activity: LayerActivity; analog: boolean; channelMasks: boolean },
  meta: NetworkProfile['meta'],
): NetworkProfile {
  const layers: LayerProfile[] = [];
  let inMask: Uint8Array | undefined;
  for (const p of probes) {
    const { mask, dense } = weightMask(p.module.weight);
    const a = activity(p);
    const outC = p.module.kind === 'Linear' ? p.module.outFeatures : p.module.outChannels;
    const outMask = a.channelMasks && p.neurons ? deadChannels(mask, outC, p.outSpikes) : null;
    const common = {
      name: `body.${p.index}`,
      input: a.analog ? ('analog' as const) : ('spikes' as const),
      steps: p.temporal ? p.perStep!.length : 1,
      neurons: p.neurons,
      weights: dense ? { kind: 'dense' as const } : { kind: 'mask' as const, mask },
      activity: a.activity,
      outChannelMask: outMask ?? undefined,
    };
    if (p.module.kind === 'Linear') {
      const inputShape = p.flattenedFrom;
      const inC = inputShape?.[2] ?? p.module.inFeatures;
      layers.push({
        ...common,
        kind: 'linear',
        inFeatures: p.module.inFeatures,
        outFeatures: p.module.outFeatures,
        inputShape,
        inChannelMask: inMask && inMask.length === inC ? inMask : undefined,
      });
    } else {
      const [h, w] = p.shape!;
      const { kernelSize: k, stride: s, padding: pad } = p.module;
      const out = (size: number) => Math.floor((size + 2 * pad - k) / s) + 1;
      layers.push({
        ...common,
        kind: 'conv2d',
        inChannels: p.module.inChannels,
        outChannels: p.module.outChannels,
        kernel: [k, k],
        stride: [s, s],
        dilation: [1, 1],
        padding: [pad, pad],
        inputSize: [h, w],
        outputSize: [out(h), out(w)],
        inChannelMask: inMask && inMask.length === p.module.inChannels ? inMask : undefined,
      });
    }
    inMask = outMask ?? undefined;
  }
  const shape = model.config.inputShape;
  const [c, h, w] = shape.length === 4 ? shape.slice(1) : shape;
  return {
    version: PROFILE_VERSION,
    timeSteps: model.config.T,
    inputShape: shape.length >= 3 ? [h, w, c] : undefined,
    layers,
    meta,
  };
}

/** Runs `fn` with the model in eval mode, restoring its mode and resetting its state afterwards. */
async function inEval<T>(model: SpikingModel, fn: () => Promise<T> | T): Promise<T> {
  const wasTraining = model.training;
  model.eval();
  try {
    return await fn();
  } finally {
    model.resetState();
    model.train(wasTraining);
  }
}

/**
 * Measures a model's network profile on batches of real data (the test split, preprocessed as in
 * training). Each synaptic layer records events per input position summed over time steps and
 * samples; inputs that are not all 0/1 (the direct-encoded image, average-pooled spikes) count as
 * analog. A neuron with no incoming synapse that never fired is recorded as a removed channel.
 *
 * ```ts
 * const p = await profile(model, batches(testSet, { batchSize: 100, shuffle: false }), { samples: 1000 });
 * ```
 */
export async function profile(
  model: SpikingModel,
  batches: AsyncIterable<Batch> | Iterable<Batch>,
  options: ProfileOptions = {},
): Promise<NetworkProfile> {
  const probes = plan(model.body.layers, 'profile');
  const timeMajor = model.config.inputShape.length === 4;
  const samples = await inEval(model, async () => {
    let done = 0;
    for await (const batch of batches) {
      const room = options.samples === undefined ? Number.POSITIVE_INFINITY : options.samples - done;
      if (room <= 0) break;
      const n = batch.shape[timeMajor ? 1 : 0];
      done += measureBatch(model, probes, n <= room ? batch : sliceBatch(batch, room, timeMajor), 'profile');
      options.onBatch?.(done);
    }
    return done;
  });
  if (samples === 0) throw new Error('profile: no samples to measure (the data source yielded no batch)');
  return assemble(
    model,
    probes,
    (p) => ({
      activity: { kind: 'measured', samples, counts: p.counts!, perStep: p.perStep },
      analog: p.analog,
      channelMasks: true,
    }),
    { model: model.config.name, samples, ...options.meta },
  );
}

/**
 * The profile of the weights alone, without data: every layer's activity is an assumed `rate`, and a
 * layer's input counts as spikes when it is by construction (neuron outputs, max-pooled spikes, raw
 * time-major input), else as analog (the direct-encoded image). Synchronous, and cheap enough for a learner to call
 * during training (one forward pass of a single zero sample finds the layer shapes); core mapping
 * needs only the weights.
 */
export function profileWeights(model: SpikingModel, options: ProfileWeightsOptions = {}): NetworkProfile {
  const rate = options.rate ?? 1;
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`profileWeights: rate must be in [0, 1], got ${rate}`);
  const probes = plan(model.body.layers, 'profileWeights');
  const shape = model.config.inputShape;
  const per = shape.reduce((a, b) => a * b, 1);
  const zero: Batch = {
    inputs: new Float32Array(per),
    shape: shape.length === 4 ? [shape[0], 1, ...shape.slice(1)] : [1, ...shape],
    labels: [0],
  };
  const wasTraining = model.training;
  model.eval();
  try {
    measureBatch(model, probes, zero, 'profileWeights');
  } finally {
    model.resetState();
    model.train(wasTraining);
  }
  return assemble(
    model,
    probes,
    (p) => ({ activity: { kind: 'rate', rate }, analog: !p.spikesByConstruction, channelMasks: false }),
    { model: model.config.name, ...options.meta },
  );
}

/** The first `n` samples of a batch (the last batch of a `samples` budget). */
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
