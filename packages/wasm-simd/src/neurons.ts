import {
  DEFAULT_SURROGATE_ALPHA,
  type KernelCharge,
  kernelChargeOf,
  type NeuronKernelOptions,
  neuronKernelOptionsError,
  SURROGATE_NAMES,
  type SurrogateName,
  surrogateId,
} from '@synaptogen/contracts';
import type { KernelInstance } from './runtime.js';
import { splitRange } from './worker-pool.js';

/** Surrogate spike-function names in the kernels' id order (the contract's table). */
export const SURROGATES: readonly SurrogateName[] = SURROGATE_NAMES;

/** A spiking neuron with SpikingJelly semantics (defaults: τ = 2, V_th = 1, V_reset = 0, sigmoid(4)). */
export type NeuronOptions = NeuronKernelOptions;

/** Options resolved to the kernel's numeric parameters. */
export interface ResolvedNeuron {
  /** The contract's description of the charge: the forward's formula, the backward's coefficients. */
  charge: KernelCharge;
  vth: number;
  vReset: number;
  soft: boolean;
  detachReset: boolean;
  surrogateId: number;
  alpha: number;
}

/**
 * Validates a neuron description and resolves it to the kernel's parameters. A charge this kernel
 * does not implement (another kind, or settings it does not know) is refused, never approximated.
 */
export function resolveNeuron(o: NeuronOptions): ResolvedNeuron {
  const refused = neuronKernelOptionsError(o as unknown as Record<string, unknown>);
  if (refused) throw new Error(`neuron: ${refused}`);
  const tau = o.tau ?? 2;
  if (o.kind === 'LIF' && !(tau > 1)) throw new Error(`neuron: LIF tau must be > 1, got ${o.tau}`);
  const vth = o.vThreshold ?? 1;
  if (!Number.isFinite(vth))
    throw new Error(`neuron: vThreshold must be a finite number, got ${o.vThreshold}`);
  const vReset = o.vReset === undefined ? 0 : o.vReset;
  if (vReset !== null && !Number.isFinite(vReset)) {
    throw new Error(`neuron: vReset must be a finite number or null (soft reset), got ${o.vReset}`);
  }
  const name = o.surrogate ?? 'sigmoid';
  const id = surrogateId(name);
  if (id < 0)
    throw new Error(`neuron: unknown surrogate '${name}', expected one of ${SURROGATES.join(', ')}`);
  const alpha = o.alpha ?? DEFAULT_SURROGATE_ALPHA[name];
  if (!(alpha > 0) || !Number.isFinite(alpha))
    throw new Error(`neuron: alpha must be a positive number, got ${o.alpha}`);
  return {
    charge: kernelChargeOf(
      o.kind === 'IF' ? { kind: 'IF' } : { kind: 'LIF', tau, decayInput: o.decayInput ?? true },
    ),
    vth,
    vReset: vReset ?? 0,
    soft: vReset === null,
    detachReset: o.detachReset ?? false,
    surrogateId: id,
    alpha,
  };
}

/** The neuronForward kernel's trailing arguments (after x, s, h, v, T, n, stride). */
export function forwardParams(p: ResolvedNeuron, constant: boolean): number[] {
  return [p.charge.formId, p.charge.k, p.vth, p.vReset, p.soft ? 1 : 0, constant ? 1 : 0];
}

/** The neuronBackward kernel's trailing arguments (after gs, h, gx, gv, T, n, stride). */
export function backwardParams(p: ResolvedNeuron, constant: boolean): number[] {
  return [
    p.charge.cv,
    p.charge.cx,
    p.vth,
    p.vReset,
    p.soft ? 1 : 0,
    p.detachReset ? 1 : 0,
    p.surrogateId,
    p.alpha,
    constant ? 1 : 0,
  ];
}

// Neuron updates are memory-bound: a second thread pays only on large layers.
const MIN_ELEMENTS_PER_THREAD = 1 << 18;

/** Split np columns (multiple of 4) into per-thread ranges of multiples of 4. */
function columnRanges(k: KernelInstance, T: number, np: number): [number, number][] {
  const threads = Math.max(1, Math.min(k.threads, Math.floor((T * np) / MIN_ELEMENTS_PER_THREAD)));
  return splitRange(np, threads);
}

function sizeOf(x: Float32Array, T: number, what: string): number {
  if (!Number.isInteger(T) || T < 1) throw new Error(`${what}: T must be a positive integer, got ${T}`);
  if (x.length % T !== 0) throw new Error(`${what}: input length ${x.length} is not a multiple of T = ${T}`);
  return x.length / T;
}

/** Copy [T, n] into a [T, np] arena buffer (np = n rounded up to 4, padding zero). */
function putPadded(
  k: KernelInstance,
  src: Float32Array | undefined,
  T: number,
  n: number,
  np: number,
): number {
  const ptr = k.alloc(T * np);
  const view = k.f32(ptr, T * np);
  if (!src) view.fill(0);
  else if (n === np) view.set(src);
  else {
    view.fill(0);
    for (let t = 0; t < T; t++) view.set(src.subarray(t * n, (t + 1) * n), t * np);
  }
  return ptr;
}

function getPadded(
  k: KernelInstance,
  ptr: number,
  dst: Float32Array,
  T: number,
  n: number,
  np: number,
): void {
  const view = k.f32(ptr, T * np);
  if (n === np) dst.set(view);
  else for (let t = 0; t < T; t++) dst.set(view.subarray(t * np, t * np + n), t * n);
}

export interface NeuronForwardResult {
  /** Spikes S, [T, N] (0 or 1). */
  spikes: Float32Array;
  /** Membrane potential after charging, H, [T, N]: what the backward needs. */
  h: Float32Array;
  /** Potential after the last step, [N]. */
  v: Float32Array;
}

/**
 * All T steps of charge → fire → reset for `x` laid out [T, N] (or [N] with `constant`: the same
 * input at every step). `v0` is the initial potential (default: V_reset, or 0 for soft reset).
 * Outputs are written into `out` arrays when given.
 */
export function neuronForward(
  k: KernelInstance,
  x: Float32Array,
  T: number,
  options: NeuronOptions,
  v0?: Float32Array,
  out?: Partial<NeuronForwardResult>,
  constant = false,
): NeuronForwardResult {
  const what = 'neuronForward';
  const n = constant ? x.length : sizeOf(x, T, what);
  if (constant && !(Number.isInteger(T) && T >= 1))
    throw new Error(`${what}: T must be a positive integer, got ${T}`);
  const p = resolveNeuron(options);
  if (v0 && v0.length !== n) throw new Error(`${what}: v0 has ${v0.length} elements, expected ${n}`);
  const np = (n + 3) & ~3;
  k.reset();
  // a constant input stays one row: the kernel reads it at every step
  const xPtr = constant ? putPadded(k, x, 1, n, np) : putPadded(k, x, T, n, np);
  const sPtr = k.alloc(T * np);
  const hPtr = k.alloc(T * np);
  const vPtr = k.alloc(np);
  const vView = k.f32(vPtr, np);
  vView.fill(p.vReset);
  if (v0) vView.set(v0);
  const params = forwardParams(p, constant);
  k.parallel(
    columnRanges(k, T, np).map(([c0, c1]) => ({
      fn: 'neuronForward' as const,
      args: [xPtr + c0 * 4, sPtr + c0 * 4, hPtr + c0 * 4, vPtr + c0 * 4, T, c1 - c0, np, ...params],
    })),
  );
  const spikes = out?.spikes ?? new Float32Array(T * n);
  const h = out?.h ?? new Float32Array(T * n);
  const v = out?.v ?? new Float32Array(n);
  getPadded(k, sPtr, spikes, T, n, np);
  getPadded(k, hPtr, h, T, n, np);
  getPadded(k, vPtr, v, 1, n, np);
  return { spikes, h, v };
}

export interface NeuronBackwardResult {
  /** dL/dX, [T, N]; [N] summed over the steps with `constant`. */
  gradX: Float32Array;
  /** dL/dV0, [N]. */
  gradV0: Float32Array;
}

/**
 * BPTT through `neuronForward`: `gradSpikes` = dL/dS and `h` from the forward, both [T, N];
 * `gradV` = dL/d(final V) (default 0). `constant`: the forward fed one input at every step, whose
 * gradient is the per-step gradients summed from the last step to the first ([N]).
 */
export function neuronBackward(
  k: KernelInstance,
  gradSpikes: Float32Array,
  h: Float32Array,
  T: number,
  options: NeuronOptions,
  gradV?: Float32Array,
  out?: Partial<NeuronBackwardResult>,
  constant = false,
): NeuronBackwardResult {
  const what = 'neuronBackward';
  const n = sizeOf(gradSpikes, T, what);
  if (h.length !== gradSpikes.length)
    throw new Error(`${what}: h has ${h.length} elements, expected ${gradSpikes.length}`);
  if (gradV && gradV.length !== n)
    throw new Error(`${what}: gradV has ${gradV.length} elements, expected ${n}`);
  const p = resolveNeuron(options);
  const np = (n + 3) & ~3;
  k.reset();
  const gsPtr = putPadded(k, gradSpikes, T, n, np);
  const hPtr = putPadded(k, h, T, n, np);
  const gxRows = constant ? 1 : T;
  const gxPtr = k.alloc(gxRows * np);
  const gvPtr = putPadded(k, gradV, 1, n, np);
  const params = backwardParams(p, constant);
  k.parallel(
    columnRanges(k, T, np).map(([c0, c1]) => ({
      fn: 'neuronBackward' as const,
      args: [gsPtr + c0 * 4, hPtr + c0 * 4, gxPtr + c0 * 4, gvPtr + c0 * 4, T, c1 - c0, np, ...params],
    })),
  );
  const gradX = out?.gradX ?? new Float32Array(gxRows * n);
  const gradV0 = out?.gradV0 ?? new Float32Array(n);
  getPadded(k, gxPtr, gradX, gxRows, n, np);
  getPadded(k, gvPtr, gradV0, 1, n, np);
  return { gradX, gradV0 };
}
