import { ADAM_UPDATE } from '@synaptogen/contracts';
import * as tf from '@tensorflow/tfjs-core';
import { checkPenalty, Optimizer, penalizedGradient } from './optimizer.js';

/** Kernel name of the fused Adam step a backend may register (see `Adam.fused`). */
export { ADAM_UPDATE };

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 penalty added to the gradient (PyTorch Adam's weight_decay). */
  weightDecay?: number;
  /** L1 penalty on conv kernels (rank-4 weights), see `Penalties.l1`. */
  l1?: number;
}

/** Adam exactly as torch.optim.Adam: θ −= (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε). */
export class Adam extends Optimizer {
  readonly kind = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly l1: number;

  constructor(params: ReadonlyMap<string, tf.Variable>, options: AdamOptions = {}) {
    super(params, options.lr ?? 1e-3);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = checkPenalty('Adam: weightDecay', options.weightDecay);
    this.l1 = checkPenalty('Adam: l1', options.l1);
  }

  /**
   * Updates the moments of `name` with gradient `g` and returns the Adam step direction
   * `η_t · m / d` (to subtract). Exposed so structure learners (Grad R) can reuse Adam on their own
   * hidden parameters and add terms outside Adam's normalisation.
   */
  direction(name: string, g: tf.Tensor, like: tf.Tensor, step: number): tf.Tensor {
    const { m, v } = this.moments(name, like);
    const fused = this.fused(g, m, v, step, null);
    if (fused) return fused;
    const mNew = tf.add(tf.mul(m, tf.scalar(this.beta1)), tf.mul(g, tf.scalar(1 - this.beta1)));
    const vNew = tf.add(tf.mul(v, tf.scalar(this.beta2)), tf.mul(tf.square(g), tf.scalar(1 - this.beta2)));
    m.assign(mNew);
    v.assign(vNew);
    const bc1 = 1 - this.beta1 ** step;
    const bc2 = 1 - this.beta2 ** step;
    const denom = tf.add(tf.div(tf.sqrt(vNew), tf.scalar(Math.sqrt(bc2))), tf.scalar(this.eps));
    return tf.mul(tf.div(mNew, denom), tf.scalar(this.lr / bc1));
  }

  /** The moment slots of `name` (created as zeros shaped like `like`), for fused kernels that update them. */
  moments(name: string, like: tf.Tensor): { m: tf.Variable; v: tf.Variable } {
    return { m: this.slots.get('m', name, like), v: this.slots.get('v', name, like) };
  }

  /** Step `step`'s constants as the fused kernels take them: β1, β2, ε, lr/(1 − β1ᵗ) and √(1 − β2ᵗ). */
  stepAttrs(step: number): { beta1: number; beta2: number; eps: number; stepSize: number; sqrtBc2: number } {
    return {
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      stepSize: this.lr / (1 - this.beta1 ** step),
      sqrtBc2: Math.sqrt(1 - this.beta2 ** step),
    };
  }

  /**
   * Whether step `step`'s constants are finite. The fused kernels require it; with an absurd learning
   * rate (lr / (1 − β1ᵗ) = Infinity) the element-wise ops run instead, and the update's non-finite
   * values reach the trainer's divergence check.
   */
  finiteStep(step: number): boolean {
    const a = this.stepAttrs(step);
    return Number.isFinite(a.stepSize) && Number.isFinite(a.sqrtBc2);
  }

  /**
   * Only v: a non-finite m makes the update, hence the parameter, non-finite in the same step, and
   * so does a NaN v; a +∞ v alone would only stall the update (half the reads of checking both).
   */
  override divergenceTensors(): [string, tf.Tensor][] {
    return this.slots.entries().filter(([k]) => k.startsWith('v/'));
  }

  apply(grads: ReadonlyMap<string, tf.Tensor>): void {
    this.step++;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        let g = grads.get(name);
        if (!g) continue;
        g = penalizedGradient(p, g, this);
        const { m, v } = this.moments(name, p);
        const updated = this.fused(g, m, v, this.step, p);
        p.assign(updated ?? tf.sub(p, this.direction(name, g, p, this.step)));
      }
    });
  }

  /**
   * The same step as one native kernel when the backend has one registered (`@synaptogen/wasm-simd`'s
   * `SynaptogenAdamUpdate`: one pass instead of 13 element-wise ops, bit-identical): updates m and v
   * and returns the direction, or `p − direction` when `p` is given. Null without the kernel.
   */
  private fused(
    g: tf.Tensor,
    m: tf.Variable,
    v: tf.Variable,
    step: number,
    p: tf.Tensor | null,
  ): tf.Tensor | null {
    if (g.dtype !== 'float32' || !tf.getKernel(ADAM_UPDATE, tf.getBackend()) || !this.finiteStep(step))
      return null;
    const attrs = { ...this.stepAttrs(step), mode: p ? 'update' : 'direction' };
    const inputs: tf.NamedTensorMap = p ? { g, m, v, p } : { g, m, v };
    const [mNew, vNew, r] = tf.engine().runKernel(ADAM_UPDATE, inputs, attrs) as tf.Tensor[];
    m.assign(mNew);
    v.assign(vNew);
    return r;
  }

  protected config(): Record<string, unknown> {
    return {
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      l1: this.l1,
    };
  }
}
