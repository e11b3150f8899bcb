import type { SurrogateName } from './surrogates.js';

/**
 * A charge that native neuron kernels implement, by name: IF, H = V + X; LIF, H = V + (X − (V − V_reset))/τ
 * with `decayInput`, else H = V − (V − V_reset)/τ + X. A neuron declares one only when its charge is
 * exactly this; a kernel refuses any other description (see `neuronKernelOptionsError`).
 */
export type NeuronCharge = { kind: 'IF' } | { kind: 'LIF'; tau: number; decayInput: boolean };

/** The charge kinds native kernels implement. */
export const NEURON_CHARGE_KINDS = ['IF', 'LIF'] as const;

/** What the neuron kernels receive as `attrs.options` (JSON): the charge, the reset and the surrogate. */
export interface NeuronKernelOptions {
  kind: NeuronCharge['kind'];
  /** LIF membrane time constant, > 1 (default 2). */
  tau?: number;
  /** LIF: H = V + (X − (V − V_reset))/τ when true (default), else H = V − (V − V_reset)/τ + X. */
  decayInput?: boolean;
  vThreshold?: number;
  /** A number: hard reset to it (default 0). null: soft reset (V = H − S·V_th). */
  vReset?: number | null;
  /** Cut the reset's S from the gradient (default false, as in SpikingJelly). */
  detachReset?: boolean;
  surrogate?: SurrogateName;
  /** Surrogate sharpness α (default: SpikingJelly's per surrogate). */
  alpha?: number;
}

/** Every setting of `NeuronKernelOptions`: a kernel refuses others rather than ignore them. */
export const NEURON_KERNEL_OPTION_KEYS: readonly (keyof NeuronKernelOptions)[] = [
  'kind',
  'tau',
  'decayInput',
  'vThreshold',
  'vReset',
  'detachReset',
  'surrogate',
  'alpha',
];

/**
 * Why a kernel cannot run this description (one line), or null when the kind and every setting are
 * known. Values are checked by the kernel that resolves them.
 */
export function neuronKernelOptionsError(o: Record<string, unknown>): string | null {
  if (!(NEURON_CHARGE_KINDS as readonly unknown[]).includes(o.kind))
    return `unknown charge kind ${JSON.stringify(o.kind)}; the native kernel runs ${NEURON_CHARGE_KINDS.map((k) => `'${k}'`).join(' and ')} only (run other neurons on the tfjs path)`;
  const keys: readonly string[] = NEURON_KERNEL_OPTION_KEYS;
  const unknown = Object.keys(o).filter((key) => !keys.includes(key));
  if (unknown.length)
    return `unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} in a ${o.kind} description; the native kernel knows ${keys.join(', ')}`;
  return null;
}

/** H = cv·V + cx·X + c0: a charge's constant coefficients, for the initial potential `vInit` (V_reset, or 0 for soft reset). */
export interface LinearCharge {
  cv: number;
  cx: number;
  c0: number;
}

/** The linear coefficients of a native charge (what the fused tfjs path runs for it). */
export function linearChargeOf(charge: NeuronCharge, vInit: number): LinearCharge {
  if (charge.kind === 'IF') return { cv: 1, cx: 1, c0: 0 };
  const k = 1 / charge.tau;
  // decayInput: H = (1 − k)·V + k·X + k·V_reset; otherwise H = (1 − k)·V + X + k·V_reset
  return { cv: 1 - k, cx: charge.decayInput ? k : 1, c0: k * vInit };
}
