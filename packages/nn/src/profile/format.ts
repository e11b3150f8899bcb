/**
 * The plain-data network profile that `profile()` and `profileWeights()` return: the format of
 * `@synaptogen/hardware`'s `NetworkProfile` (version 1), declared here so that nn need not import
 * hardware (hardware consumes what nn produces; see the dependency direction in DESIGN.md).
 * Keep it in step with `packages/hardware/src/profile.ts`, which documents every field; the CLI
 * checks at compile time and at run time (`validateProfile`) that the two stay compatible.
 *
 * Layouts are tfjs': linear weights `[in, out]`, conv weights `[kh, kw, inC, outC]`, activations
 * channels-last (a position `(y, x, c)` has index `(y * W + x) * C + c`).
 */

export const PROFILE_VERSION = 1;

/** `[height, width, channels]`, channels-last. */
export type ProfileShape3 = readonly [number, number, number];

/**
 * Activity at a layer's input: measured events per input position (summed over time steps and
 * samples) and per step, or an assumed uniform rate per position and evaluation.
 */
export type LayerActivity =
  | { kind: 'measured'; samples: number; counts: Float64Array; perStep?: Float64Array }
  | { kind: 'rate'; rate: number };

interface LayerBase {
  /** The module's path in the model, e.g. `body.1` (its weight is `body.1.weight`). */
  name: string;
  /** `spikes`: 0/1 inputs (accumulates); `analog`: other values (multiply-accumulates). */
  input: 'spikes' | 'analog';
  /** Evaluations per sample: T, or 1 for a layer that sees the static input once (direct encoding). */
  steps: number;
  /** Whether stateful neurons follow the layer before the next synaptic layer. */
  neurons?: boolean;
  /** All weights exist, or a 0/1 mask in the weight layout (1 where |w| ≥ `ZERO_WEIGHT`). */
  weights: { kind: 'dense' } | { kind: 'mask'; mask: Uint8Array };
  activity: LayerActivity;
  /** 0/1 per input channel; 0 = removed (the previous layer's removed output channels). */
  inChannelMask?: Uint8Array;
  /** 0/1 per output channel; 0 = removed (no incoming synapse and never fired). */
  outChannelMask?: Uint8Array;
}

export interface LinearLayerProfile extends LayerBase {
  kind: 'linear';
  inFeatures: number;
  outFeatures: number;
  /** The `[H, W, C]` a Flatten turned into this layer's input features. */
  inputShape?: ProfileShape3;
}

export interface Conv2dLayerProfile extends LayerBase {
  kind: 'conv2d';
  inChannels: number;
  outChannels: number;
  kernel: readonly [number, number];
  stride: readonly [number, number];
  dilation: readonly [number, number];
  /** Zero padding `[top, left]`. */
  padding: readonly [number, number];
  inputSize: readonly [number, number];
  outputSize: readonly [number, number];
}

export type LayerProfile = LinearLayerProfile | Conv2dLayerProfile;

export interface NetworkProfile {
  version: typeof PROFILE_VERSION;
  timeSteps: number;
  /** Network input `[H, W, C]` for image input. */
  inputShape?: ProfileShape3;
  /** Synaptic layers (Linear, Conv2d) in body order. */
  layers: LayerProfile[];
  meta?: Record<string, string | number | boolean>;
}
