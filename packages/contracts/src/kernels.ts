/**
 * Names of the tfjs kernels that a native backend (`@synaptogen/wasm-simd`) registers and the
 * libraries call through `tf.engine().runKernel`. Declared once here, so the two sides cannot drift.
 */

/** A spiking neuron's multi-step forward: inputs `{ x }`, attrs `NeuronKernelAttrs`; returns `[spikes, h]`. */
export const NEURON_FORWARD = 'SynaptogenNeuronForward' as const;
/** Its BPTT backward: inputs `{ dy, h }`, the forward's attrs; returns dL/dx. */
export const NEURON_BACKWARD = 'SynaptogenNeuronBackward' as const;
/** Training-mode batch norm over the last axis: inputs `{ x, gamma, beta }`, attrs `{ eps }`; returns `[y, xhat, mean, variance, invStd]`. */
export const BATCHNORM_TRAIN = 'SynaptogenBatchNormTrain' as const;
/** Its backward: inputs `{ dy, xhat, invStd, gamma }`; returns `[dx, dGamma, dBeta]`. */
export const BATCHNORM_TRAIN_GRAD = 'SynaptogenBatchNormTrainGrad' as const;
/** Max-pool gradient routed to the first maximum of each window (PyTorch's tie rule). */
export const MAXPOOL_GRAD_FIRST_MAX = 'SynaptogenMaxPoolGradFirstMax' as const;
/** Adam's moment and parameter update in one pass. */
export const ADAM_UPDATE = 'SynaptogenAdamUpdate' as const;
/** Grad R's update of θ with its sign mask and prior in one pass. */
export const GRADR_UPDATE = 'SynaptogenGradRUpdate' as const;

/**
 * Per-channel sums of a channel score over a spiking layer's H (before fire-and-reset), channels last:
 * inputs `{ h }` (`[..., C]`), attrs `ChannelScoreSumsAttrs`; returns float32 `[C]`, each the sum over
 * all leading positions of the score (`CHANNEL_SCORE_TABLE`) of H.
 */
export const CHANNEL_SCORE_SUMS = 'SynaptogenChannelScoreSums' as const;

/** Every kernel name of this contract. */
export type KernelName =
  | typeof NEURON_FORWARD
  | typeof NEURON_BACKWARD
  | typeof BATCHNORM_TRAIN
  | typeof BATCHNORM_TRAIN_GRAD
  | typeof MAXPOOL_GRAD_FIRST_MAX
  | typeof ADAM_UPDATE
  | typeof GRADR_UPDATE
  | typeof CHANNEL_SCORE_SUMS;

/** The neuron kernels' attrs: `options` is `JSON.stringify(NeuronKernelOptions)`; `steps` is set for direct encoding. */
export interface NeuronKernelAttrs {
  options: string;
  /** The input is `[N, ...]`, fed at each of `steps` steps; its gradient sums over them. */
  steps?: number;
}

/** The channel-score kernel's attrs: which score, and the neuron's threshold and reset. */
export interface ChannelScoreSumsAttrs {
  /** `CHANNEL_SCORE_TABLE` id. */
  score: number;
  vThreshold: number;
  /** The hard reset's potential (ignored with `soft`). */
  vReset: number;
  /** Soft reset (V = H − V_th after a spike). */
  soft: boolean;
}
