/**
 * Helpers to build a profile from plain typed arrays, in the profile's (tfjs) layouts or converted from
 * PyTorch layouts.
 */
import {
  type Conv2dLayerProfile,
  type InputKind,
  type LayerActivity,
  type LayerProfile,
  type LinearLayerProfile,
  type NetworkProfile,
  PROFILE_VERSION,
  ProfileError,
  type Shape3,
  validateProfile,
  type WeightPattern,
} from './profile.js';

type NumericArray = ArrayLike<number>;

/** 0/1 mask of the nonzero entries of a weight array (already in the profile layout). */
export function nonzeroMask(weights: NumericArray): Uint8Array {
  const mask = new Uint8Array(weights.length);
  for (let i = 0; i < weights.length; i++) mask[i] = weights[i] !== 0 ? 1 : 0;
  return mask;
}

/** PyTorch linear weight `[out, in]` → profile layout `[in, out]`. */
export function linearOutInToInOut<T extends NumericArray>(
  weights: T,
  outFeatures: number,
  inFeatures: number,
): Float64Array {
  if (weights.length !== outFeatures * inFeatures) {
    throw new ProfileError(
      `linear weights: expected ${outFeatures}x${inFeatures} = ${outFeatures * inFeatures} values, got ${weights.length}`,
    );
  }
  const out = new Float64Array(weights.length);
  for (let o = 0; o < outFeatures; o++) {
    for (let i = 0; i < inFeatures; i++) out[i * outFeatures + o] = weights[o * inFeatures + i];
  }
  return out;
}

/** PyTorch conv weight OIHW `[outC, inC, kh, kw]` → profile layout `[kh, kw, inC, outC]`. */
export function convOIHWToHWIO(
  weights: NumericArray,
  shape: readonly [number, number, number, number],
): Float64Array {
  const [oc, ic, kh, kw] = shape;
  if (weights.length !== oc * ic * kh * kw) {
    throw new ProfileError(
      `conv weights: expected OIHW ${JSON.stringify(shape)} = ${oc * ic * kh * kw} values, got ${weights.length}`,
    );
  }
  const out = new Float64Array(weights.length);
  for (let o = 0; o < oc; o++)
    for (let i = 0; i < ic; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          out[((y * kw + x) * ic + i) * oc + o] = weights[((o * ic + i) * kh + y) * kw + x];
  return out;
}

/** Channels-first `[C, H, W]` → channels-last `[H, W, C]` (e.g. PyTorch per-position spike counts). */
export function chwToHwc(values: NumericArray, shape: Shape3): Float64Array {
  const [c, h, w] = shape;
  if (values.length !== c * h * w) {
    throw new ProfileError(
      `CHW array: expected ${c * h * w} values for ${JSON.stringify(shape)}, got ${values.length}`,
    );
  }
  const out = new Float64Array(values.length);
  for (let k = 0; k < c; k++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out[(y * w + x) * c + k] = values[(k * h + y) * w + x];
  return out;
}

/**
 * Measured activity from a layer-input tensor `[steps, samples, ...positions]` (e.g. the `[T, N, H, W, C]`
 * spike tensor, or `[1, N, H, W, C]` for a direct-encoded image). Counts nonzero entries per position.
 */
export function activityFromTensor(values: NumericArray, steps: number, samples: number): LayerActivity {
  const per = values.length / (steps * samples);
  if (!Number.isInteger(per) || per === 0) {
    throw new ProfileError(
      `activity tensor: ${values.length} values do not split into steps ${steps} x samples ${samples} x positions`,
    );
  }
  const counts = new Float64Array(per);
  const perStep = new Float64Array(steps);
  for (let t = 0; t < steps; t++) {
    let total = 0;
    for (let n = 0; n < samples; n++) {
      const base = (t * samples + n) * per;
      for (let p = 0; p < per; p++) {
        if (values[base + p] !== 0) {
          counts[p] += 1;
          total += 1;
        }
      }
    }
    perStep[t] = total;
  }
  return { kind: 'measured', samples, counts, perStep };
}

/** Accumulates activity batch by batch (what `nn`'s profiler does over several batches). */
export class ActivityAccumulator {
  readonly counts: Float64Array;
  readonly perStep: Float64Array;
  samples = 0;
  constructor(
    readonly positions: number,
    readonly steps: number,
  ) {
    this.counts = new Float64Array(positions);
    this.perStep = new Float64Array(steps);
  }
  /** Adds one batch `[steps, batchSize, positions]`. */
  add(values: NumericArray, batchSize: number): void {
    if (values.length !== this.steps * batchSize * this.positions) {
      throw new ProfileError(
        `activity batch: expected steps ${this.steps} x batch ${batchSize} x positions ${this.positions} = ${this.steps * batchSize * this.positions} values, got ${values.length}`,
      );
    }
    const a = activityFromTensor(values, this.steps, batchSize) as Extract<
      LayerActivity,
      { kind: 'measured' }
    >;
    for (let p = 0; p < this.positions; p++) this.counts[p] += a.counts[p];
    for (let t = 0; t < this.steps; t++) this.perStep[t] += a.perStep![t];
    this.samples += batchSize;
  }
  toActivity(): LayerActivity {
    if (this.samples === 0) throw new ProfileError('activity accumulator: no batch was added');
    return {
      kind: 'measured',
      samples: this.samples,
      counts: this.counts.slice(),
      perStep: this.perStep.slice(),
    };
  }
}

function weightsOf(
  w: NumericArray | Uint8Array | 'dense' | undefined,
  expected: number,
  where: string,
): WeightPattern {
  if (w === undefined || w === 'dense') return { kind: 'dense' };
  if (w.length !== expected)
    throw new ProfileError(`${where}: weights have ${w.length} entries, expected ${expected}`);
  return { kind: 'mask', mask: nonzeroMask(w) };
}

export interface CommonLayerOptions {
  name: string;
  input?: InputKind;
  /** Evaluations per sample; defaults to the network's T when passed to `buildProfile`. */
  steps?: number;
  neurons?: boolean;
  /** Weight values or a 0/1 mask in the profile layout; omitted or 'dense' means every weight is present. */
  weights?: NumericArray | 'dense';
  /** Defaults to `{ kind: 'rate', rate: 1 }` (every input active). */
  activity?: LayerActivity;
  inChannelMask?: NumericArray;
  outChannelMask?: NumericArray;
}

type Draft<L> = Omit<L, 'steps'> & { steps?: number };

export function linearLayer(
  options: CommonLayerOptions & { inFeatures: number; outFeatures: number; inputShape?: Shape3 },
): Draft<LinearLayerProfile> {
  return {
    kind: 'linear',
    name: options.name,
    input: options.input ?? 'spikes',
    steps: options.steps,
    neurons: options.neurons ?? true,
    inFeatures: options.inFeatures,
    outFeatures: options.outFeatures,
    inputShape: options.inputShape,
    weights: weightsOf(options.weights, options.inFeatures * options.outFeatures, `layer ${options.name}`),
    activity: options.activity ?? { kind: 'rate', rate: 1 },
    inChannelMask: options.inChannelMask ? nonzeroMask(options.inChannelMask) : undefined,
    outChannelMask: options.outChannelMask ? nonzeroMask(options.outChannelMask) : undefined,
  };
}

export type Padding = 'same' | 'valid' | number | readonly [number, number];

function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * A conv2d layer. `padding` follows tfjs: 'same' gives ceil(H / stride) outputs with the extra padding
 * at the bottom/right, 'valid' none, a number or `[top, left]` symmetric explicit padding (PyTorch style).
 */
export function conv2dLayer(
  options: CommonLayerOptions & {
    inChannels: number;
    outChannels: number;
    inputSize: readonly [number, number];
    kernel: number | readonly [number, number];
    stride?: number | readonly [number, number];
    dilation?: number | readonly [number, number];
    padding?: Padding;
  },
): Draft<Conv2dLayerProfile> {
  const kernel = pair(options.kernel);
  const stride = pair(options.stride ?? 1);
  const dilation = pair(options.dilation ?? 1);
  const padding: [number, number] = [0, 0];
  const outputSize: [number, number] = [0, 0];
  const pad = options.padding ?? 'valid';
  for (const a of [0, 1] as const) {
    const size = options.inputSize[a];
    const span = (kernel[a] - 1) * dilation[a] + 1;
    if (pad === 'same') {
      outputSize[a] = Math.ceil(size / stride[a]);
      const total = Math.max((outputSize[a] - 1) * stride[a] + span - size, 0);
      padding[a] = Math.floor(total / 2);
    } else if (pad === 'valid') {
      outputSize[a] = Math.floor((size - span) / stride[a]) + 1;
    } else {
      padding[a] = pair(pad)[a];
      outputSize[a] = Math.floor((size + 2 * padding[a] - span) / stride[a]) + 1;
    }
  }
  const count = kernel[0] * kernel[1] * options.inChannels * options.outChannels;
  return {
    kind: 'conv2d',
    name: options.name,
    input: options.input ?? 'spikes',
    steps: options.steps,
    neurons: options.neurons ?? true,
    inChannels: options.inChannels,
    outChannels: options.outChannels,
    kernel,
    stride,
    dilation,
    padding,
    inputSize: [options.inputSize[0], options.inputSize[1]],
    outputSize,
    weights: weightsOf(options.weights, count, `layer ${options.name}`),
    activity: options.activity ?? { kind: 'rate', rate: 1 },
    inChannelMask: options.inChannelMask ? nonzeroMask(options.inChannelMask) : undefined,
    outChannelMask: options.outChannelMask ? nonzeroMask(options.outChannelMask) : undefined,
  };
}

/** Assembles and validates a profile; layers without `steps` run every time step. */
export function buildProfile(options: {
  timeSteps: number;
  layers: Draft<LayerProfile>[];
  inputShape?: Shape3;
  meta?: NetworkProfile['meta'];
}): NetworkProfile {
  const profile: NetworkProfile = {
    version: PROFILE_VERSION,
    timeSteps: options.timeSteps,
    inputShape: options.inputShape,
    layers: options.layers.map((l) => ({ ...l, steps: l.steps ?? options.timeSteps }) as LayerProfile),
    meta: options.meta,
  };
  validateProfile(profile);
  return profile;
}
