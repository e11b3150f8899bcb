import {
  type Conv2dLayerProfile,
  type InputKind,
  type LayerActivity,
  type LayerProfile,
  type LinearLayerProfile,
  type NetworkProfile,
  PROFILE_VERSION,
  type Shape3,
  type WeightPattern,
} from '@synaptogen/contracts';

/** The network profile's format, declared in `@synaptogen/contracts` (nn produces it, this package reads it). */
export type {
  Conv2dLayerProfile,
  InputKind,
  LayerActivity,
  LayerProfile,
  LinearLayerProfile,
  NetworkProfile,
  Shape3,
  WeightPattern,
};
export { PROFILE_VERSION };

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
