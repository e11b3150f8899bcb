import { linearChargeOf, type NeuronKernelOptions } from '@synaptogen/contracts';
import * as tf from '@tensorflow/tfjs-core';
import {
  FUSED_NEURON_BACKWARD,
  FUSED_NEURON_FORWARD,
  type FusedNeuron,
  fusedMultiStep,
  type LinearCharge,
  type NativeCharge,
} from './fused.js';
import { SequenceCollector, type SequenceObserver } from './sequence-observer.js';
import { type Surrogate, type SurrogateName, spike, stopGradient, surrogate } from './surrogate.js';

export type StepMode = 's' | 'm';

export interface NodeOptions {
  /** Firing threshold V_th (default 1). */
  vThreshold?: number;
  /** Reset potential: a number for hard reset (default 0), `null` for soft reset (V ← H − S·V_th). */
  vReset?: number | null;
  /** Cut the spike used in the reset from the gradient graph (the spike output keeps its gradient). */
  detachReset?: boolean;
  /** Surrogate for the backward pass: an object from `surrogate()` or a name (default sigmoid, α = 4). */
  surrogate?: Surrogate | SurrogateName;
  /** 's': forward takes one step `[N, ...]`; 'm' (default): forward takes `[T, N, ...]`. */
  stepMode?: StepMode;
  /**
   * Multi-step calls from a fresh state run as one fused op with a hand-written BPTT backward
   * (default true): same values and gradients, a fraction of the memory. The membrane left after such
   * a call carries no gradient into the next call; set false for truncated BPTT across calls.
   */
  fused?: boolean;
}

/** What an observer sees after each time step: the spike S, the membrane V after reset, and H before it. */
export interface StepRecord {
  readonly t: number;
  readonly spike: tf.Tensor;
  readonly v: tf.Tensor;
  readonly h: tf.Tensor;
}
/** Called inside the forward pass; must not keep the tensors (copy what it needs into its own state). */
export type StepObserver = (record: StepRecord) => void;

export interface ObserveOptions {
  /**
   * Asked once per forward call: while it returns false the observer is skipped and costs nothing
   * (e.g. a training-only monitor during evaluation).
   */
  active?: () => boolean;
}

interface ObserverEntry<F> {
  readonly fn: F;
  readonly active?: () => boolean;
}

/**
 * Charge → fire → reset, SpikingJelly semantics (see specs/neurons.md). State `v` persists across
 * calls until `resetState()`, as in SpikingJelly; models reset it before each batch.
 */
export abstract class BaseNode {
  readonly vThreshold: number;
  readonly vReset: number | null;
  readonly detachReset: boolean;
  readonly surrogate: Surrogate;
  stepMode: StepMode;
  fused: boolean;
  private state: tf.Tensor | null = null;
  /**
   * After a native fused call: the last step's H, from which V follows by the reset. Computed only
   * when `v` is read, since models reset the state before each batch and mostly never read it.
   */
  private pendingH: tf.Tensor | null = null;
  private readonly observers = new Set<ObserverEntry<StepObserver>>();
  private readonly sequenceObservers = new Set<ObserverEntry<SequenceObserver>>();

  constructor(options: NodeOptions = {}) {
    this.vThreshold = options.vThreshold ?? 1;
    this.vReset = options.vReset === undefined ? 0 : options.vReset;
    this.detachReset = options.detachReset ?? false;
    const sg = options.surrogate ?? 'sigmoid';
    this.surrogate = typeof sg === 'string' ? surrogate(sg) : sg;
    this.stepMode = options.stepMode ?? 'm';
    this.fused = options.fused ?? true;
    if (!Number.isFinite(this.vThreshold))
      throw new Error(`vThreshold must be a finite number, got ${options.vThreshold}`);
    if (this.vReset !== null && !Number.isFinite(this.vReset)) {
      throw new Error(`vReset must be a finite number or null (soft reset), got ${options.vReset}`);
    }
  }

  abstract readonly kind: string;

  /** H from the previous potential (null = the initial potential V_reset, or 0 for soft reset) and input X. */
  protected abstract charge(v: tf.Tensor | null, x: tf.Tensor): tf.Tensor;

  /** Learnable parameters of the neuron itself (PLIF's w); empty for IF and LIF. */
  parameters(): Record<string, tf.Variable> {
    return {};
  }

  /**
   * The charge a backend's native fused kernel runs for this node (SpikingJelly's
   * `supported_backends`): null (the default) keeps the node on the tfjs paths. Honoured only when
   * declared by the class that defines `linearCharge()` and `charge()` or by a subclass of it, so a
   * subclass that changes the charge never inherits a native kernel of another neuron.
   */
  protected nativeCharge(): NativeCharge | null {
    return null;
  }

  /** H = cv·V + cx·X + c0 with constant coefficients, or null when the charge has learnable parts. */
  protected linearCharge(): LinearCharge | null {
    return null;
  }

  /** Membrane potential after the last step (`null` until the first step or after a reset). */
  get v(): tf.Tensor | null {
    const h = this.pendingH;
    if (h) {
      this.pendingH = null;
      this.setState(tf.tidy(() => this.fireAndReset(h).v));
      h.dispose();
    }
    return this.state;
  }

  /** The initial potential: V_reset for hard reset, 0 for soft reset. */
  get vInit(): number {
    return this.vReset ?? 0;
  }

  /**
   * Observe every time step (activity monitors, profiling). Returns a function that removes the
   * observer. Observing keeps the fused kernels: a native kernel's records are rebuilt from its H.
   */
  observe(observer: StepObserver, options: ObserveOptions = {}): () => void {
    const entry: ObserverEntry<StepObserver> = { fn: observer, active: options.active };
    this.observers.add(entry);
    return () => this.observers.delete(entry);
  }

  /**
   * Observe each forward call once, with H of all its steps (see `SequenceRecord`): cheaper than
   * `observe` when the observer reduces over time anyway. Returns a function that removes it.
   */
  observeSequence(observer: SequenceObserver, options: ObserveOptions = {}): () => void {
    const entry: ObserverEntry<SequenceObserver> = { fn: observer, active: options.active };
    this.sequenceObservers.add(entry);
    return () => this.sequenceObservers.delete(entry);
  }

  /** The step observers that want this forward call (each `active()` asked once). */
  private watching(): StepObserver[] {
    return wanted(this.observers);
  }

  /** A collector for the sequence observers that want this forward call, or null when none does. */
  private sequences(): SequenceCollector | null {
    const observers = wanted(this.sequenceObservers);
    return observers.length ? new SequenceCollector(observers, this) : null;
  }

  /** `stepMode` 's': one step on `[N, ...]`; 'm': all steps of `[T, N, ...]`. Returns spikes of the same shape. */
  forward(x: tf.Tensor): tf.Tensor {
    return this.stepMode === 's' ? this.singleStep(x) : this.multiStep(x);
  }

  /** One time step on `[N, ...]`; updates the stored state. */
  singleStep(x: tf.Tensor): tf.Tensor {
    const sequences = this.sequences();
    const { spike: s, v } = this.step(this.v, x, 0, withStep(this.watching(), sequences));
    this.setState(v);
    sequences?.deliver();
    return s;
  }

  /** All time steps of `xSeq` (`[T, N, ...]`), starting from the stored state. Returns `[T, N, ...]`. */
  multiStep(xSeq: tf.Tensor): tf.Tensor {
    if (xSeq.rank < 2)
      throw new Error(`${this.kind}: multi-step input must be [T, N, ...], got shape [${xSeq.shape}]`);
    const watching = this.watching();
    const sequences = this.sequences();
    const spikes =
      this.runFused(xSeq, null, watching, sequences) ??
      this.run(timeSlices(xSeq), withStep(watching, sequences));
    sequences?.deliver();
    return spikes;
  }

  /**
   * Direct encoding: the same input `x` (`[N, ...]`) at each of `T` steps, without materialising the
   * repeated tensor. Returns `[T, N, ...]`.
   */
  multiStepConstant(x: tf.Tensor, T: number): tf.Tensor {
    if (!Number.isInteger(T) || T < 1)
      throw new Error(`${this.kind}: T must be a positive integer, got ${T}`);
    const watching = this.watching();
    const sequences = this.sequences();
    const spikes =
      this.runFused(x, T, watching, sequences) ??
      this.run(new Array<tf.Tensor>(T).fill(x), withStep(watching, sequences));
    sequences?.deliver();
    return spikes;
  }

  /** Drops the membrane state: the next step starts from the initial potential. */
  resetState(): void {
    this.setState(null);
  }

  /** `linearCharge()`, unless a subclass redefined `charge()` below the class that declared it. */
  private declaredLinearCharge(): LinearCharge | null {
    return declaredBelow(this, 'linearCharge', 'charge') ? this.linearCharge() : null;
  }

  /** `nativeCharge()`, when declared at or below the classes that define the charge (see there). */
  private declaredNativeCharge(): NativeCharge | null {
    return declaredBelow(this, 'nativeCharge', 'linearCharge') &&
      declaredBelow(this, 'linearCharge', 'charge')
      ? this.nativeCharge()
      : null;
  }

  /** The fused path (see fused.ts) when it applies: fresh state and a linear charge; else null. */
  private runFused(
    x: tf.Tensor,
    steps: number | null,
    watching: StepObserver[],
    sequences: SequenceCollector | null,
  ): tf.Tensor | null {
    const fresh = this.state === null && this.pendingH === null;
    const charge = this.fused && fresh ? this.declaredLinearCharge() : null;
    if (!charge) return null;
    const neuron: FusedNeuron = {
      charge,
      vThreshold: this.vThreshold,
      vReset: this.vReset,
      detachReset: this.detachReset,
      surrogate: this.surrogate,
    };
    const native = tf.getKernel(FUSED_NEURON_FORWARD, tf.getBackend()) ? this.declaredNativeCharge() : null;
    if (native) return this.runKernel(native, neuron, x, steps, watching, sequences);
    const observers = withStep(watching, sequences);
    const observe =
      observers.length > 0
        ? (t: number, s: tf.Tensor, v: tf.Tensor, h: tf.Tensor) => {
            for (const observer of observers) observer({ t, spike: s, v, h });
          }
        : undefined;
    const { spikes, vLast } = fusedMultiStep(neuron, x, this.vInit, steps, observe);
    this.setState(vLast);
    return spikes;
  }

  /**
   * A backend's native fused neuron (registered under FUSED_NEURON_FORWARD/BACKWARD, e.g. by
   * `@synaptogen/wasm-simd`): forward returns [spikes, H], backward takes (dy, H). With attrs.steps
   * the input is [N, ...] fed at every step (direct encoding) and its gradient is summed over steps.
   */
  private runKernel(
    charge: NativeCharge,
    n: FusedNeuron,
    x: tf.Tensor,
    steps: number | null,
    watching: StepObserver[],
    sequences: SequenceCollector | null,
  ): tf.Tensor {
    const options: NeuronKernelOptions = {
      ...charge,
      vThreshold: n.vThreshold,
      vReset: n.vReset,
      detachReset: n.detachReset,
      surrogate: n.surrogate.name,
      alpha: n.surrogate.alpha,
    };
    const attrs: tf.NamedAttrMap = { options: JSON.stringify(options) };
    if (steps !== null) attrs.steps = steps;
    let hLast: tf.Tensor | null = null;
    const op = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
      const [spikes, h] = tf.engine().runKernel(FUSED_NEURON_FORWARD, { x: xi }, attrs) as tf.Tensor[];
      // the last step's H, as a contiguous row of a 2-D view
      const m = h.size / h.shape[0];
      hLast = tf.keep(
        tf.reshape(tf.slice(tf.reshape(h, [h.shape[0], m]), [h.shape[0] - 1, 0], [1, m]), h.shape.slice(1)),
      );
      // inside the op the gradient tape is off: the observers' tensors are neither recorded nor kept
      if (watching.length) this.replay(watching, h);
      sequences?.whole(h);
      save([h]);
      return {
        value: spikes,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.engine().runKernel(FUSED_NEURON_BACKWARD, { dy, h: saved[0] }, attrs) as tf.Tensor,
      };
    }) as any) as (x: tf.Tensor) => tf.Tensor;
    const spikes = op(x);
    this.setState(null);
    this.pendingH = hLast as tf.Tensor | null;
    return spikes;
  }

  /**
   * Per-step records rebuilt from a native kernel's H (`[T, N, ...]`): S = (H ≥ V_th) and V by the
   * reset, as the kernel computes them. Called inside the op, so nothing here reaches the gradient
   * tape; each step's tensors are freed before the next.
   */
  private replay(watching: StepObserver[], hAll: tf.Tensor): void {
    const [T, ...rest] = hAll.shape;
    const m = hAll.size / T;
    for (let t = 0; t < T; t++)
      tf.tidy(() => {
        const h = tf.reshape(tf.slice(tf.reshape(hAll, [T, m]), [t, 0], [1, m]), rest);
        const { s, v } = this.fireAndReset(h);
        for (const observer of watching) observer({ t, spike: s, v, h });
      });
  }

  /** S = (H ≥ V_th) and V after the reset, from H alone, as a native kernel computes them (no gradient). */
  private fireAndReset(h: tf.Tensor): { s: tf.Tensor; v: tf.Tensor } {
    const s = tf.cast(tf.greaterEqual(h, this.vThreshold), 'float32');
    const v =
      this.vReset === null
        ? tf.sub(h, tf.mul(s, this.vThreshold))
        : tf.add(tf.mul(s, this.vReset), tf.mul(tf.sub(1, s), h));
    return { s, v };
  }

  private run(inputs: tf.Tensor[], watching: StepObserver[]): tf.Tensor {
    let v = this.v;
    const spikes: tf.Tensor[] = [];
    for (let t = 0; t < inputs.length; t++) {
      const out = this.step(v, inputs[t], t, watching);
      spikes.push(out.spike);
      v = out.v;
    }
    this.setState(v);
    return tf.stack(spikes);
  }

  private step(
    vPrev: tf.Tensor | null,
    x: tf.Tensor,
    t: number,
    watching: StepObserver[],
  ): { spike: tf.Tensor; v: tf.Tensor } {
    const h = this.charge(vPrev, x);
    const s = spike(tf.sub(h, tf.scalar(this.vThreshold)), this.surrogate);
    const sr = this.detachReset ? stopGradient(s) : s;
    let v: tf.Tensor;
    if (this.vReset === null) {
      v = tf.sub(h, tf.mul(sr, tf.scalar(this.vThreshold))); // soft reset
    } else if (this.vReset === 0) {
      v = tf.mul(h, tf.sub(tf.scalar(1), sr)); // hard reset to 0
    } else {
      v = tf.add(tf.mul(sr, tf.scalar(this.vReset)), tf.mul(tf.sub(tf.scalar(1), sr), h));
    }
    for (const observer of watching) observer({ t, spike: s, v, h });
    return { spike: s, v };
  }

  private setState(v: tf.Tensor | null): void {
    if (this.pendingH) {
      this.pendingH.dispose();
      this.pendingH = null;
    }
    if (this.state && this.state !== v && !this.state.isDisposed) this.state.dispose();
    this.state = v ? tf.keep(v) : null;
  }

  /** Releases the state and any parameters. */
  dispose(): void {
    this.resetState();
    for (const p of Object.values(this.parameters())) p.dispose();
  }
}

/** The observers of a set that want this forward call (each `active()` asked once). */
function wanted<F>(entries: Set<ObserverEntry<F>>): F[] {
  const out: F[] = [];
  for (const e of entries) if (!e.active || e.active()) out.push(e.fn);
  return out;
}

/** Step observers plus, when sequence observers watch, the collector that stacks the steps for them. */
function withStep(watching: StepObserver[], sequences: SequenceCollector | null): StepObserver[] {
  return sequences ? [...watching, sequences.step] : watching;
}

/**
 * `[T, N, ...]` → T tensors `[N, ...]`. One step is a reshape, not `unstack`: tfjs-core 4.22's Unpack
 * gradient receives a bare tensor when there is a single slice and throws in `stack`.
 */
function timeSlices(xSeq: tf.Tensor): tf.Tensor[] {
  return xSeq.shape[0] === 1 ? [tf.reshape(xSeq, xSeq.shape.slice(1))] : tf.unstack(xSeq);
}

/**
 * Whether `method` is defined on the same class as `base` or on a subclass of it (walking `node`'s
 * prototype chain from its own class up).
 */
function declaredBelow(node: BaseNode, method: string, base: string): boolean {
  for (let p = Object.getPrototypeOf(node); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, method)) return true;
    if (Object.hasOwn(p, base)) return false;
  }
  return false;
}

/** Integrate-and-fire: H = V + X. */
export class IFNode extends BaseNode {
  readonly kind = 'IF';
  protected override nativeCharge(): NativeCharge {
    return { kind: 'IF' };
  }
  protected override linearCharge(): LinearCharge {
    return linearChargeOf({ kind: 'IF' }, this.vInit);
  }
  protected charge(v: tf.Tensor | null, x: tf.Tensor): tf.Tensor {
    return v ? tf.add(v, x) : this.vInit === 0 ? x : tf.add(x, tf.scalar(this.vInit));
  }
}

export interface LIFOptions extends NodeOptions {
  /** Membrane time constant τ > 1 (default 2). */
  tau?: number;
  /** true (default): H = V + (X − (V − V_reset))/τ; false: H = V − (V − V_reset)/τ + X. */
  decayInput?: boolean;
}

/** Leaky integrate-and-fire with a fixed τ. */
export class LIFNode extends BaseNode {
  readonly kind: string = 'LIF';
  readonly decayInput: boolean;
  readonly tau: number;

  constructor(options: LIFOptions = {}) {
    super(options);
    this.tau = options.tau ?? 2;
    this.decayInput = options.decayInput ?? true;
    if (!(this.tau > 1)) throw new Error(`LIF: tau must be > 1, got ${options.tau}`);
  }

  protected override nativeCharge(): NativeCharge {
    return { kind: 'LIF', tau: this.tau, decayInput: this.decayInput };
  }

  protected override linearCharge(): LinearCharge | null {
    return linearChargeOf({ kind: 'LIF', tau: this.tau, decayInput: this.decayInput }, this.vInit);
  }

  /** 1/τ as a tensor (a learnable one for PLIF). */
  protected inverseTau(): tf.Tensor {
    return tf.scalar(1 / this.tau);
  }

  protected charge(v: tf.Tensor | null, x: tf.Tensor): tf.Tensor {
    const k = this.inverseTau();
    const vr = this.vInit;
    if (!v) {
      // V = V_reset at the first step, so V − V_reset = 0
      const base = this.decayInput ? tf.mul(x, k) : x;
      return vr === 0 ? base : tf.add(base, tf.scalar(vr));
    }
    const leak = vr === 0 ? v : tf.sub(v, tf.scalar(vr));
    return this.decayInput ? tf.add(v, tf.mul(tf.sub(x, leak), k)) : tf.add(tf.sub(v, tf.mul(leak, k)), x);
  }
}

export interface PLIFOptions extends Omit<LIFOptions, 'tau'> {
  /** Initial τ₀ > 1 (default 2); the learnable w starts at −ln(τ₀ − 1) so that sigmoid(w) = 1/τ₀. */
  initTau?: number;
  /** Name of the tf.Variable holding w (must be unique among live variables). */
  name?: string;
}

let plifCount = 0;

/** Parametric LIF: 1/τ = sigmoid(w) with w learnable (Fang et al., 2021). */
export class ParametricLIFNode extends LIFNode {
  override readonly kind = 'PLIF';
  readonly w: tf.Variable;

  constructor(options: PLIFOptions = {}) {
    const initTau = options.initTau ?? 2;
    if (!(initTau > 1)) throw new Error(`PLIF: initTau must be > 1, got ${options.initTau}`);
    super({ ...options, tau: initTau });
    this.w = tf.variable(tf.scalar(-Math.log(initTau - 1)), true, options.name ?? `plif_w_${plifCount++}`);
  }

  protected override inverseTau(): tf.Tensor {
    return tf.sigmoid(this.w);
  }

  /** τ is learnable: the step-by-step path keeps w on the gradient tape. */
  protected override linearCharge(): null {
    return null;
  }

  override parameters(): Record<string, tf.Variable> {
    return { w: this.w };
  }

  /** The current τ = 1 / sigmoid(w). */
  currentTau(): number {
    return 1 / (1 / (1 + Math.exp(-(this.w.dataSync()[0] as number))));
  }
}
