import { GRADR_UPDATE } from '@synaptogen/contracts';
import type { Adam, StepInfo } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { LearnerOptionError, OptionReader } from './options.js';
import { type ThetaEntry, ThetaLearner } from './theta.js';

/**
 * Kernel name of the fused Grad R step a backend may register (`@synaptogen/wasm-simd` does): the
 * Adam moments, θ, w = s·ReLU(θ) and the pruned/regrown counts in one pass, bit-identical to the
 * element-wise path below. Inputs `{ g, sign, m, v, theta }`, attrs `{ beta1, beta2, eps, stepSize,
 * sqrtBc2, prior, mu }`, outputs `[m', v', θ', w', counts]`.
 */
export { GRADR_UPDATE };

export interface GradROptions {
  /** Rate α of the Laplace prior on θ (default 1e-3). With μ ≪ θ it shrinks every θ by α·η_t per step. */
  alpha?: number;
  /** Target sparsity p ≥ 0.5, which sets the prior's centre μ = ln(2(1 − p)) / α (default 0.95). */
  targetSparsity?: number;
  /**
   * Step size of the prior: `'biasCorrected'` (default, the spec) moves θ by α·η_t with
   * η_t = lr / (1 − β1ᵗ); `'lr'` moves it by α·lr, as the PyTorch reference script does. They differ
   * while β1ᵗ is not yet ≈ 0: over the first ~50 steps the spec's rule adds about 27·lr·α of extra
   * shrink, which matters at large α (0.011 at α = 0.4, a third of |w₀| in gradr-mnist-mlp).
   */
  priorStep?: 'biasCorrected' | 'lr';
  /** Adam's β1, β2, ε for θ (default 0.9, 0.999, 1e-8). */
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Grad R (Chen et al., IJCAI 2021), Adam form, as in `specs/gradr.md`. Every prunable weight is
 * w = s · ReLU(θ) with a fixed sign s. Per step:
 *
 *     g_θ = s · ∂L/∂w                      (the ReLU's derivative is dropped: pruned synapses still learn)
 *     θ' = θ − Adam(g_θ)                  (η_t · m / d)
 *     θ' = θ' − α · η_t · sign(θ − μ)     (prior, outside Adam's normalisation, on the old θ)
 *     w  = s · max(θ', 0)
 *
 * with η_t = lr / (1 − β1ᵗ). The PyTorch reference script applies the prior with lr·α instead of
 * η_t·α (`priorStep: 'lr'`); the spec's rule is the default.
 */
export class GradR extends ThetaLearner {
  readonly name = 'gradr';
  readonly options: Required<GradROptions>;
  /** Centre of the Laplace prior. */
  readonly mu: number;

  constructor(options: GradROptions = {}) {
    super();
    const r = new OptionReader('gradr', options as Record<string, unknown>, [
      'alpha',
      'targetSparsity',
      'priorStep',
      'beta1',
      'beta2',
      'eps',
    ]);
    const alpha = r.number('alpha', 1e-3, { above: 0 });
    const targetSparsity = r.number('targetSparsity', 0.95, { max: 1 });
    if (!(targetSparsity >= 0.5) || !(targetSparsity < 1))
      throw new LearnerOptionError(
        'gradr',
        `option "targetSparsity" must be in [0.5, 1) (the prior's centre ln(2(1 − p))/α is only defined there), got ${targetSparsity}`,
      );
    const priorStep = r.choice('priorStep', ['biasCorrected', 'lr'] as const, 'biasCorrected');
    this.options = {
      alpha,
      targetSparsity,
      priorStep,
      beta1: r.number('beta1', 0.9, { min: 0, max: 0.999999 }),
      beta2: r.number('beta2', 0.999, { min: 0, max: 0.999999 }),
      eps: r.number('eps', 1e-8, { above: 0 }),
    };
    this.mu = Math.log(2 * (1 - targetSparsity)) / alpha;
  }

  protected override adamOptions() {
    const { beta1, beta2, eps } = this.options;
    return { beta1, beta2, eps };
  }

  applyGradients(grads: ReadonlyMap<string, tf.Tensor>, info: StepInfo): void {
    const adam = this.adam;
    if (!adam) throw new Error('gradr: applyGradients before attach()');
    this.t++;
    adam.lr = info.lr;
    const etaT = this.options.priorStep === 'lr' ? info.lr : info.lr / (1 - this.options.beta1 ** this.t);
    const priorSize = this.options.alpha * etaT;
    // an overflowing step size goes the element-wise way, where the trainer's divergence check sees it
    const fused = tf.getKernel(GRADR_UPDATE, tf.getBackend()) !== undefined && adam.finiteStep(this.t);
    tf.tidy(() => {
      const priorStep = tf.scalar(priorSize);
      const mu = tf.scalar(this.mu);
      for (const e of this.entries) {
        const g = grads.get(e.name);
        if (!g) continue;
        if (fused && g.dtype === 'float32') {
          this.fusedStep(adam, e, g, priorSize);
          continue;
        }
        const dir = adam.direction(e.name, tf.mul(e.sign, g), e.theta, this.t);
        const prior = tf.mul(tf.sign(tf.sub(e.theta, mu)), priorStep);
        const next = tf.sub(tf.sub(e.theta, dir), prior);
        this.countEvents(e, e.theta, next);
        e.theta.assign(next);
        e.w.assign(tf.mul(e.sign, tf.relu(next)));
      }
    });
  }

  /** The same step as one backend kernel (see GRADR_UPDATE); Adam's moments and constants are reused. */
  private fusedStep(adam: Adam, e: ThetaEntry, g: tf.Tensor, prior: number): void {
    const { m, v } = adam.moments(e.name, e.theta);
    const attrs = { ...adam.stepAttrs(this.t), prior, mu: this.mu };
    const [mNew, vNew, theta, w, counts] = tf
      .engine()
      .runKernel(GRADR_UPDATE, { g, sign: e.sign, m, v, theta: e.theta }, attrs) as tf.Tensor[];
    m.assign(mNew);
    v.assign(vNew);
    e.theta.assign(theta);
    e.w.assign(w);
    e.counts.assign(tf.add(e.counts, tf.cast(counts, 'int32')));
  }
}
