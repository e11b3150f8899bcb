import * as tf from '@tensorflow/tfjs-core';

/** Optimizer state as named tensors plus JSON, so a checkpoint can store and restore it exactly. */
export interface OptimizerState {
  kind: string;
  config: Record<string, unknown>;
  step: number;
  /** Slot tensors keyed by `<slot>/<parameter name>`. */
  tensors: Record<string, tf.Tensor>;
}

/** Penalties the optimizers add to a parameter's gradient. */
export interface Penalties {
  /** L2 penalty (PyTorch's weight_decay): adds λ·θ for every parameter. */
  weightDecay?: number;
  /**
   * L1 penalty on conv kernels (the rank-4 weights): adds λ·sign(θ), as the SCA paper's 3e-5 on its
   * 3×3 conv weights. Other parameters (Linear, BatchNorm, biases) are not penalised.
   */
  l1?: number;
}

/** `g` plus the gradients of the penalties at `p` (tensors inside the caller's tidy). */
export function penalizedGradient(p: tf.Tensor, g: tf.Tensor, penalties: Penalties): tf.Tensor {
  let out = g;
  if (penalties.weightDecay) out = tf.add(out, tf.mul(p, tf.scalar(penalties.weightDecay)));
  if (penalties.l1 && p.rank === 4) out = tf.add(out, tf.mul(tf.sign(p), tf.scalar(penalties.l1)));
  return out;
}

/** Checks a penalty strength: a finite number ≥ 0. */
export function checkPenalty(name: string, value: number | undefined): number {
  const v = value ?? 0;
  if (!(Number.isFinite(v) && v >= 0)) throw new Error(`${name} must be a finite number ≥ 0, got ${value}`);
  return v;
}

/**
 * Updates named parameters from their gradients. Implementations follow PyTorch's update rules so
 * runs compare with the reference; `lr` may be changed between steps by a schedule.
 */
export abstract class Optimizer {
  abstract readonly kind: string;
  lr: number;
  step = 0;
  /** Per-parameter slot tensors (moments, momentum buffers), stored in checkpoints. */
  readonly slots = new Slots();

  constructor(
    /** Parameters by name; the optimizer updates exactly these. */
    readonly params: ReadonlyMap<string, tf.Variable>,
    lr: number,
  ) {
    if (!(lr > 0)) throw new Error(`learning rate must be > 0, got ${lr}`);
    this.lr = lr;
  }

  /** Applies one update; `grads` maps parameter names to gradients (missing names are skipped). */
  abstract apply(grads: ReadonlyMap<string, tf.Tensor>): void;

  /** Hyper-parameters as JSON (the `config` of the saved state). */
  protected abstract config(): Record<string, unknown>;

  getState(): OptimizerState {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [k, v] of this.slots.entries()) tensors[k] = v;
    return { kind: this.kind, config: this.config(), step: this.step, tensors };
  }

  /**
   * The slots the trainer's divergence check reads after every step: those whose NaN/±Infinity
   * would not show in the parameters within the step (default: all of them).
   */
  divergenceTensors(): Iterable<[string, tf.Tensor]> {
    return this.slots.entries();
  }

  setState(state: OptimizerState): void {
    if (state.kind !== this.kind)
      throw new Error(`optimizer state is for "${state.kind}", not "${this.kind}"`);
    this.step = state.step;
    this.lr = (state.config.lr as number) ?? this.lr;
    for (const [k, t] of Object.entries(state.tensors)) this.slots.set(k, t);
  }

  dispose(): void {
    this.slots.dispose();
  }
}

/** Slot tensors (moments, momentum buffers), created lazily, kept outside tidy scopes. */
export class Slots {
  private readonly map = new Map<string, tf.Variable>();

  get(slot: string, name: string, like: tf.Tensor): tf.Variable {
    const key = `${slot}/${name}`;
    let v = this.map.get(key);
    if (!v) {
      v = tf.variable(tf.zerosLike(like), false);
      this.map.set(key, v);
    }
    return v;
  }

  has(slot: string, name: string): boolean {
    return this.map.has(`${slot}/${name}`);
  }

  /** Zeroes selected entries of a slot (e.g. moments of pruned channels). */
  entries(): [string, tf.Variable][] {
    return [...this.map];
  }

  set(key: string, value: tf.Tensor): void {
    const old = this.map.get(key);
    if (old) old.dispose();
    this.map.set(key, tf.variable(value, false));
  }

  dispose(): void {
    for (const v of this.map.values()) v.dispose();
    this.map.clear();
  }
}
