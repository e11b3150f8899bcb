/**
 * The plain-data network profile: what a cost model needs to know about a trained spiking network.
 * `@synaptogen/nn` produces it (`profile()`), `@synaptogen/hardware` consumes and validates it; both
 * re-export these declarations.
 *
 * Layout conventions (the tfjs layouts, so `nn` can hand over `dataSync()` arrays unchanged):
 * - linear weights `[in, out]` (row-major, index `i * out + o`);
 * - conv2d weights `[kh, kw, inC, outC]` (index `((ky * kw + kx) * inC + ci) * outC + co`);
 * - activations channels-last: a conv layer's input position `(y, x, c)` has index `(y * W + x) * C + c`,
 *   and flattening `[H, W, C]` into a linear layer keeps that order (tfjs `flatten` of NHWC).
 * PyTorch layouts (`[out, in]`, OIHW, CHW) convert with `@synaptogen/hardware`'s layout helpers.
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
  /** The module's path in the model, e.g. `body.1` (its weight is `body.1.weight`). */
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
