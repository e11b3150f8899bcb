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

/**
 * The charge formulas of native kernels, one row each, with the id a kernel switches on. The forward
 * evaluates the formula in this order of float32 operations (SpikingJelly's, with k the float32 1/τ),
 * so its spikes equal the op-by-op forward bit for bit; the backward needs only dH/dV and dH/dX.
 */
export const CHARGE_FORM_TABLE = [
  { name: 'IF', id: 0, formula: 'H = V + X' },
  { name: 'LIF-decay-input', id: 1, formula: 'H = V + (X − (V − V_reset))·k' },
  { name: 'LIF', id: 2, formula: 'H = V − (V − V_reset)·k + X' },
] as const;

export type ChargeFormName = (typeof CHARGE_FORM_TABLE)[number]['name'];

/** What a native kernel runs for a charge: nothing in it is re-derived from kind or τ on the kernel side. */
export interface KernelCharge {
  /** The forward's formula (`CHARGE_FORM_TABLE`). */
  form: ChargeFormName;
  /** Its id in the kernels. */
  formId: number;
  /** The forward's leak factor: the float32 1/τ (0 for IF). */
  k: number;
  /** dH/dV for the backward: `linearChargeOf`'s cv. */
  cv: number;
  /** dH/dX for the backward: `linearChargeOf`'s cx. */
  cx: number;
}

/** The kernel's description of a native charge: the forward's formula and the backward's coefficients. */
export function kernelChargeOf(charge: NeuronCharge): KernelCharge {
  const form: ChargeFormName = charge.kind === 'IF' ? 'IF' : charge.decayInput ? 'LIF-decay-input' : 'LIF';
  const formId = CHARGE_FORM_TABLE.find((f) => f.name === form)!.id;
  // the neurons package multiplies float32 tensors by 1/τ, i.e. by the float32 1/τ
  const k = charge.kind === 'IF' ? 0 : Math.fround(1 / charge.tau);
  const { cv, cx } = linearChargeOf(charge, 0);
  return { form, formId, k, cv, cx };
}
