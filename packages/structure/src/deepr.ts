import { Rng, type StepInfo } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { LearnerOptionError, OptionReader } from './options.js';
import { ThetaLearner } from './theta.js';

export interface DeepROptions {
  /** Fraction of connections kept active in every layer, K = round((1 − p)·size) (default 0.95). */
  targetSparsity?: number;
  /** L1 prior: every active θ moves down by η·α per step (default 1e-4). */
  alpha?: number;
  /** Noise temperature T: active θ get sqrt(2ηT)·N(0, 1) per step (default 1e-6; ≥ 0). */
  temperature?: number;
  /** θ given to a re-activated connection (default 1e-4; > 0 so it is active at once). */
  regrowTheta?: number;
  /** 'adam' (default): the gradient term is an Adam step on θ; 'sgd': η·∂L/∂θ as in the paper. */
  optimizer?: 'adam' | 'sgd';
  /** Seed of the initial sparse mask, the noise and the re-activations (default: the run's seed). */
  seed?: number;
}

export interface SoftDeepROptions {
  alpha?: number;
  /** Must be > 0: the noise is what lets dormant θ walk back (default 1e-6). */
  temperature?: number;
  /** Lower bound of θ (default −1e-3). */
  thetaMin?: number;
  optimizer?: 'adam' | 'sgd';
  seed?: number;
}

/** Gradient step on θ restricted to `mask` (1 = active): Adam's η_t·m/d, or η·g. */
function gradientStep(
  learner: DeepRBase,
  name: string,
  g: tf.Tensor,
  theta: tf.Tensor,
  lr: number,
): tf.Tensor {
  const adam = learner.adamFor();
  if (learner.useAdam) return adam.direction(name, g, theta, learner.step);
  return tf.mul(g, tf.scalar(lr));
}

abstract class DeepRBase extends ThetaLearner {
  protected rng = new Rng(0);
  abstract readonly useAdam: boolean;

  get step(): number {
    return this.t;
  }

  adamFor() {
    if (!this.adam) throw new Error(`${this.name}: used before attach()`);
    return this.adam;
  }

  protected seedRng(seed: number | undefined): void {
    this.rng = new Rng(seed ?? this.ctx?.seed ?? 0);
  }

  /** Seeded N(0, 1) noise: a fresh seed per tensor per step from the learner's Rng (checkpointed). */
  protected noise(shape: number[]): tf.Tensor {
    return tf.randomNormal(shape, 0, 1, 'float32', this.rng.seed());
  }

  protected override extraState(): Record<string, unknown> {
    return { rng: this.rng.getState() };
  }

  protected override setExtraState(json: Record<string, unknown>): void {
    if (Array.isArray(json.rng)) this.rng.setState(json.rng as number[]);
  }
}

/**
 * Deep R (Bellec et al., ICLR 2018), hard form with a fixed connection budget. Each layer keeps
 * exactly K = round((1 − p)·size) active connections (θ > 0, w = s·θ). Per step only active θ move:
 * θ ← θ − step(s·∂L/∂w) − η·α + sqrt(2ηT)·ν. Connections whose θ drops to ≤ 0 go dormant, and as many
 * dormant ones, drawn uniformly at random, are re-activated at once with θ = regrowTheta — so the
 * weights the model uses after the step have exactly K nonzeros (unlike the Grad R repository's
 * version, whose stale mask zeroes re-activated synapses again). Starts sparse: a random K per layer.
 */
export class DeepR extends DeepRBase {
  readonly name: string = 'deepr';
  readonly options: Required<Omit<DeepROptions, 'seed'>> & { seed?: number };
  readonly useAdam: boolean;
  /** Active budget per layer (set at attach). */
  readonly budget = new Map<string, number>();

  constructor(options: DeepROptions = {}) {
    super();
    const r = new OptionReader('deepr', options as Record<string, unknown>, [
      'targetSparsity',
      'alpha',
      'temperature',
      'regrowTheta',
      'optimizer',
      'seed',
    ]);
    const targetSparsity = r.number('targetSparsity', 0.95, { min: 0 });
    if (!(targetSparsity < 1))
      throw new LearnerOptionError(
        'deepr',
        `option "targetSparsity" must be in [0, 1), got ${targetSparsity}`,
      );
    this.options = {
      targetSparsity,
      alpha: r.number('alpha', 1e-4, { min: 0 }),
      temperature: r.number('temperature', 1e-6, { min: 0 }),
      regrowTheta: r.number('regrowTheta', 1e-4, { above: 0 }),
      optimizer: r.choice('optimizer', ['adam', 'sgd'] as const, 'adam'),
      seed: r.optionalNumber('seed', { integer: true, min: 0 }),
    };
    this.useAdam = this.options.optimizer === 'adam';
  }

  override attach(...args: Parameters<ThetaLearner['attach']>): void {
    this.ctx = args[1];
    this.seedRng(this.options.seed);
    super.attach(...args);
  }

  /** A random K entries per layer keep θ = |w₀|; the rest start dormant (θ = 0). */
  protected override initialTheta(name: string, w: tf.Tensor): tf.Tensor {
    const k = Math.max(1, Math.round((1 - this.options.targetSparsity) * w.size));
    this.budget.set(name, k);
    const order = this.rng.shuffle(Uint32Array.from({ length: w.size }, (_, i) => i));
    const keep = new Float32Array(w.size);
    for (let i = 0; i < k; i++) keep[order[i]] = 1;
    return tf.mul(tf.abs(w), tf.tensor(keep, w.shape));
  }

  applyGradients(grads: ReadonlyMap<string, tf.Tensor>, info: StepInfo): void {
    this.t++;
    this.adamFor().lr = info.lr;
    const eta = info.lr;
    const noiseStd = Math.sqrt(2 * eta * this.options.temperature);
    for (const e of this.entries) {
      const g = grads.get(e.name);
      if (!g) continue;
      const next = tf.tidy(() => {
        const active = tf.cast(tf.greater(e.theta, 0), 'float32');
        const gTheta = tf.mul(tf.mul(e.sign, g), active);
        let delta = tf.add(
          gradientStep(this, e.name, gTheta, e.theta, eta),
          tf.scalar(eta * this.options.alpha),
        );
        if (noiseStd > 0) delta = tf.sub(delta, tf.mul(this.noise(e.theta.shape), tf.scalar(noiseStd)));
        return tf.sub(e.theta, tf.mul(delta, active));
      });
      // rewiring on the host: count what went dormant and re-activate as many dormant ones at random
      const values = Float32Array.from(next.dataSync());
      next.dispose();
      let activeCount = 0;
      for (let i = 0; i < values.length; i++) if (values[i] > 0) activeCount++;
      const k = this.budget.get(e.name) ?? activeCount;
      const missing = k - activeCount;
      for (let n = 0; n < missing; ) {
        const i = this.rng.int(values.length);
        if (values[i] > 0) continue;
        values[i] = this.options.regrowTheta;
        n++;
      }
      if (missing > 0) {
        this.hostPruned += missing;
        this.hostRegrown += missing;
      }
      tf.tidy(() => {
        const theta = tf.tensor(values, e.theta.shape);
        e.theta.assign(theta);
        e.w.assign(tf.mul(e.sign, tf.relu(theta)));
      });
    }
  }
}

/**
 * Soft Deep R: no hard budget. Every θ gets the prior and the noise (T > 0), active ones also the
 * gradient; θ is clipped below at θ_min, so a dormant connection can random-walk back above 0.
 */
export class SoftDeepR extends DeepRBase {
  readonly name = 'soft-deepr';
  readonly options: Required<Omit<SoftDeepROptions, 'seed'>> & { seed?: number };
  readonly useAdam: boolean;

  constructor(options: SoftDeepROptions = {}) {
    super();
    const r = new OptionReader('soft-deepr', options as Record<string, unknown>, [
      'alpha',
      'temperature',
      'thetaMin',
      'optimizer',
      'seed',
    ]);
    const temperature = r.number('temperature', 1e-6, { min: 0 });
    if (!(temperature > 0))
      throw new LearnerOptionError(
        'soft-deepr',
        'option "temperature" must be > 0: without noise a dormant connection can never come back',
      );
    this.options = {
      alpha: r.number('alpha', 1e-4, { min: 0 }),
      temperature,
      thetaMin: r.number('thetaMin', -1e-3, { max: 0 }),
      optimizer: r.choice('optimizer', ['adam', 'sgd'] as const, 'adam'),
      seed: r.optionalNumber('seed', { integer: true, min: 0 }),
    };
    this.useAdam = this.options.optimizer === 'adam';
  }

  override attach(...args: Parameters<ThetaLearner['attach']>): void {
    this.ctx = args[1];
    this.seedRng(this.options.seed);
    super.attach(...args);
  }

  applyGradients(grads: ReadonlyMap<string, tf.Tensor>, info: StepInfo): void {
    this.t++;
    this.adamFor().lr = info.lr;
    const eta = info.lr;
    const noiseStd = Math.sqrt(2 * eta * this.options.temperature);
    tf.tidy(() => {
      for (const e of this.entries) {
        const g = grads.get(e.name);
        if (!g) continue;
        const active = tf.cast(tf.greater(e.theta, 0), 'float32');
        const gTheta = tf.mul(tf.mul(e.sign, g), active);
        const step = gradientStep(this, e.name, gTheta, e.theta, eta);
        const moved = tf.add(
          tf.sub(tf.sub(e.theta, step), tf.scalar(eta * this.options.alpha)),
          tf.mul(this.noise(e.theta.shape), tf.scalar(noiseStd)),
        );
        const next = tf.maximum(moved, tf.scalar(this.options.thetaMin));
        this.countEvents(e, e.theta, next);
        e.theta.assign(next);
        e.w.assign(tf.mul(e.sign, tf.relu(next)));
      }
    });
  }
}
