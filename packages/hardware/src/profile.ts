/**
 * The plain-data network profile: what a cost model needs to know about a trained spiking network.
 *
 * Layout conventions (the tfjs layouts, so `nn` can hand over `dataSync()` arrays unchanged):
 * - linear weights `[in, out]` (row-major, index `i * out + o`);
 * - conv2d weights `[kh, kw, inC, outC]` (index `((ky * kw + kx) * inC + ci) * outC + co`);
 * - activations channels-last: a conv layer's input position `(y, x, c)` has index `(y * W + x) * C + c`,
 *   and flattening `[H, W, C]` into a linear layer keeps that order (tfjs `flatten` of NHWC).
 * PyTorch layouts (`[out, in]`, OIHW, CHW) convert with the helpers in `layout.ts`.
 *
 * A profile lists only synaptic layers (linear, conv2d); pooling and flatten live between them and show
 * up as the next layer's input shape. Each layer records the activity measured at its own input.
 */

export const PROFILE_VERSION = 1;

/** `[height, width, channels]`, channels-last. */
export type Shape3 = readonly [number, number, number];

/** Binary spikes (each event costs an accumulate) or analog values (each nonzero input costs a multiply-accumulate), e.g. the direct-encoding first layer. */
export type InputKind = 'spikes' | 'analog';

/** Which weights exist: all of them, or a 0/1 mask in the layer's weight layout (nonzero = kept). */
export type WeightPattern = { kind: 'dense' } | { kind: 'mask'; mask: Uint8Array };

/**
 * Activity at a layer's input.
 * - `measured`: `counts[p]` = events at input position `p` summed over all evaluations and all `samples`
 *   (for spikes: spikes summed over time steps and samples, i.e. the `[T, N, H, W, C]` spike tensor summed
 *   over T and N; for analog inputs: the number of nonzero input values). Exact effective-op counts,
 *   conv borders included, need this per position because an input's fan-out depends on where it sits.
 *   `perStep[t]` (optional) = events at evaluation step t summed over positions and samples.
 * - `rate`: an assumed uniform probability that an input position carries an event per evaluation
 *   (1 = every input nonzero, the usual assumption for analog images). For estimates without data.
 */
export type LayerActivity =
  | { kind: 'measured'; samples: number; counts: Float64Array; perStep?: Float64Array }
  | { kind: 'rate'; rate: number };

interface LayerBase {
  name: string;
  input: InputKind;
  /** Evaluations of this layer per sample: T for spiking layers; 1 for a direct-encoding first layer computed once. */
  steps: number;
  /** Whether the layer's outputs are stateful neurons (membrane updated every time step). Default true. */
  neurons?: boolean;
  weights: WeightPattern;
  activity: LayerActivity;
  /** 0/1 per input channel (conv) or per input feature channel (linear: per `inputShape[2]` channel when given, else per feature). Masked channels are treated as removed. */
  inChannelMask?: Uint8Array;
  /** 0/1 per output channel (conv) or output feature (linear). Masked channels are treated as removed (as SCA does at the end). */
  outChannelMask?: Uint8Array;
}

export interface LinearLayerProfile extends LayerBase {
  kind: 'linear';
  inFeatures: number;
  outFeatures: number;
  /** The pre-flatten `[H, W, C]` shape of the input, when it comes from a conv stack (product = inFeatures). */
  inputShape?: Shape3;
}

export interface Conv2dLayerProfile extends LayerBase {
  kind: 'conv2d';
  inChannels: number;
  outChannels: number;
  /** `[kh, kw]` */
  kernel: readonly [number, number];
  /** `[sh, sw]` */
  stride: readonly [number, number];
  /** `[dh, dw]` */
  dilation: readonly [number, number];
  /** Zero padding before the first row / column, `[top, left]`; bottom/right padding follows from outputSize. */
  padding: readonly [number, number];
  /** Input `[H, W]`. */
  inputSize: readonly [number, number];
  /** Output `[outH, outW]`. */
  outputSize: readonly [number, number];
}

export type LayerProfile = LinearLayerProfile | Conv2dLayerProfile;

export interface NetworkProfile {
  version: typeof PROFILE_VERSION;
  /** Time steps per sample. */
  timeSteps: number;
  /** Network input shape `[H, W, C]` (informational). */
  inputShape?: Shape3;
  layers: LayerProfile[];
  /** Free-form provenance: model name, checkpoint, dataset, number of samples. */
  meta?: Record<string, string | number | boolean>;
}

export class ProfileError extends Error {
  override name = 'ProfileError';
}

/** Number of input positions (the length of `activity.counts`). */
export function inputSize(layer: LayerProfile): number {
  return layer.kind === 'linear'
    ? layer.inFeatures
    : layer.inputSize[0] * layer.inputSize[1] * layer.inChannels;
}

/** Number of output neurons as shaped (before channel masks). */
export function outputSize(layer: LayerProfile): number {
  return layer.kind === 'linear'
    ? layer.outFeatures
    : layer.outputSize[0] * layer.outputSize[1] * layer.outChannels;
}

/** `[H, W, C]` of the layer input (linear without inputShape: `[1, 1, inFeatures]`). */
export function inputShape3(layer: LayerProfile): Shape3 {
  if (layer.kind === 'conv2d') return [layer.inputSize[0], layer.inputSize[1], layer.inChannels];
  return layer.inputShape ?? [1, 1, layer.inFeatures];
}

/** `[H, W, C]` of the layer output (linear: `[1, 1, outFeatures]`). */
export function outputShape3(layer: LayerProfile): Shape3 {
  if (layer.kind === 'conv2d') return [layer.outputSize[0], layer.outputSize[1], layer.outChannels];
  return [1, 1, layer.outFeatures];
}

export function weightCount(layer: LayerProfile): number {
  return layer.kind === 'linear'
    ? layer.inFeatures * layer.outFeatures
    : layer.kernel[0] * layer.kernel[1] * layer.inChannels * layer.outChannels;
}

/** Per-input-position activity flag from the input channel mask (1 = present). */
export function inputActive(layer: LayerProfile): (p: number) => boolean {
  const mask = layer.inChannelMask;
  if (!mask) return () => true;
  const c = inputShape3(layer)[2];
  return (p) => mask[p % c] !== 0;
}

function fail(where: string, what: string): never {
  throw new ProfileError(`${where}: ${what}`);
}

function isPosInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function checkPair(where: string, field: string, v: unknown, min: number): void {
  if (
    !Array.isArray(v) ||
    v.length !== 2 ||
    !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= min)
  ) {
    fail(where, `${field} must be a pair of integers >= ${min}, got ${JSON.stringify(v)}`);
  }
}

/** Throws a ProfileError naming the layer and field when the profile is inconsistent. */
export function validateProfile(profile: NetworkProfile, source = 'profile'): void {
  if (profile.version !== PROFILE_VERSION) {
    fail(source, `version must be ${PROFILE_VERSION}, got ${JSON.stringify(profile.version)}`);
  }
  if (!isPosInt(profile.timeSteps))
    fail(source, `timeSteps must be a positive integer, got ${profile.timeSteps}`);
  if (!Array.isArray(profile.layers) || profile.layers.length === 0) {
    fail(source, 'layers must be a non-empty array');
  }
  profile.layers.forEach((layer, i) => {
    validateLayer(layer, `${source}: layer ${i} (${layer?.name ?? '?'})`);
  });
}

function validateLayer(layer: LayerProfile, where: string): void {
  if (typeof layer.name !== 'string') fail(where, 'name must be a string');
  if (layer.input !== 'spikes' && layer.input !== 'analog') {
    fail(where, `input must be 'spikes' or 'analog', got ${JSON.stringify(layer.input)}`);
  }
  if (!isPosInt(layer.steps)) fail(where, `steps must be a positive integer, got ${layer.steps}`);
  let inC: number;
  let outC: number;
  if (layer.kind === 'linear') {
    if (!isPosInt(layer.inFeatures))
      fail(where, `inFeatures must be a positive integer, got ${layer.inFeatures}`);
    if (!isPosInt(layer.outFeatures))
      fail(where, `outFeatures must be a positive integer, got ${layer.outFeatures}`);
    if (layer.inputShape) {
      const [h, w, c] = layer.inputShape;
      if (![h, w, c].every(isPosInt) || h * w * c !== layer.inFeatures) {
        fail(
          where,
          `inputShape ${JSON.stringify(layer.inputShape)} must multiply to inFeatures ${layer.inFeatures}`,
        );
      }
    }
    inC = layer.inputShape ? layer.inputShape[2] : layer.inFeatures;
    outC = layer.outFeatures;
  } else if (layer.kind === 'conv2d') {
    if (!isPosInt(layer.inChannels))
      fail(where, `inChannels must be a positive integer, got ${layer.inChannels}`);
    if (!isPosInt(layer.outChannels))
      fail(where, `outChannels must be a positive integer, got ${layer.outChannels}`);
    checkPair(where, 'kernel', layer.kernel, 1);
    checkPair(where, 'stride', layer.stride, 1);
    checkPair(where, 'dilation', layer.dilation, 1);
    checkPair(where, 'padding', layer.padding, 0);
    checkPair(where, 'inputSize', layer.inputSize, 1);
    checkPair(where, 'outputSize', layer.outputSize, 1);
    for (const a of [0, 1] as const) {
      // The last output's window must start inside the padded input and every window must touch the input.
      const firstStart = -layer.padding[a];
      const lastStart = (layer.outputSize[a] - 1) * layer.stride[a] - layer.padding[a];
      const span = (layer.kernel[a] - 1) * layer.dilation[a];
      if (firstStart + span < 0 || lastStart > layer.inputSize[a] - 1) {
        fail(
          where,
          `outputSize ${JSON.stringify(layer.outputSize)} does not fit inputSize ${JSON.stringify(layer.inputSize)} with kernel ${JSON.stringify(layer.kernel)}, stride ${JSON.stringify(layer.stride)}, padding ${JSON.stringify(layer.padding)}`,
        );
      }
    }
    inC = layer.inChannels;
    outC = layer.outChannels;
  } else {
    fail(
      where,
      `kind must be 'linear' or 'conv2d', got ${JSON.stringify((layer as { kind: unknown }).kind)}`,
    );
  }
  const w = layer.weights;
  if (!w || (w.kind !== 'dense' && w.kind !== 'mask')) fail(where, "weights.kind must be 'dense' or 'mask'");
  if (w.kind === 'mask') {
    if (!(w.mask instanceof Uint8Array)) fail(where, 'weights.mask must be a Uint8Array');
    if (w.mask.length !== weightCount(layer)) {
      fail(
        where,
        `weights.mask has ${w.mask.length} entries, expected ${weightCount(layer)} (${layer.kind === 'linear' ? '[in, out]' : '[kh, kw, inC, outC]'})`,
      );
    }
  }
  if (layer.inChannelMask && layer.inChannelMask.length !== inC) {
    fail(where, `inChannelMask has ${layer.inChannelMask.length} entries, expected ${inC}`);
  }
  if (layer.outChannelMask && layer.outChannelMask.length !== outC) {
    fail(where, `outChannelMask has ${layer.outChannelMask.length} entries, expected ${outC}`);
  }
  const a = layer.activity;
  if (!a) fail(where, 'activity is required (measured counts or an assumed rate)');
  if (a.kind === 'rate') {
    if (typeof a.rate !== 'number' || !(a.rate >= 0 && a.rate <= 1)) {
      fail(where, `activity.rate must be in [0, 1], got ${a.rate}`);
    }
  } else if (a.kind === 'measured') {
    if (!isPosInt(a.samples)) fail(where, `activity.samples must be a positive integer, got ${a.samples}`);
    if (!(a.counts instanceof Float64Array) || a.counts.length !== inputSize(layer)) {
      fail(
        where,
        `activity.counts must be a Float64Array of ${inputSize(layer)} input positions, got ${a.counts?.length}`,
      );
    }
    const max = a.samples * layer.steps;
    for (let p = 0; p < a.counts.length; p++) {
      const v = a.counts[p];
      if (!(v >= 0 && v <= max)) {
        fail(
          where,
          `activity.counts[${p}] = ${v} is outside [0, samples * steps = ${max}] (at most one event per position and evaluation)`,
        );
      }
    }
    if (a.perStep && a.perStep.length !== layer.steps) {
      fail(where, `activity.perStep has ${a.perStep.length} entries, expected steps = ${layer.steps}`);
    }
  } else {
    fail(where, "activity.kind must be 'measured' or 'rate'");
  }
}
