import * as tf from '@tensorflow/tfjs-core';
import { type ForwardContext, Module, type Signal } from '../module.js';

/**
 * A leaky integrator without spikes (NIR's LI, a common readout): each step
 * V ← V + (X − (V − V_leak))/τ, or V ← V − (V − V_leak)/τ + X without `decayInput` (the charge of
 * SpikingJelly's LIF, never firing); the output is V. V starts at V_leak.
 */
export class LeakyIntegrator extends Module {
  readonly kind = 'LeakyIntegrator';

  constructor(
    readonly tau: number,
    readonly vLeak = 0,
    readonly decayInput = true,
  ) {
    super();
    if (!(tau >= 1 && Number.isFinite(tau)))
      throw new Error(`LeakyIntegrator: tau must be ≥ 1 step, got ${tau}`);
    if (!Number.isFinite(vLeak)) throw new Error(`LeakyIntegrator: vLeak must be finite, got ${vLeak}`);
  }

  forward(): tf.Tensor {
    throw new Error('LeakyIntegrator runs on signals with a time axis; call() it through a Sequential');
  }

  override call(input: Signal, ctx: ForwardContext): Signal {
    const steps = input.temporal ? input.x.shape[0] : ctx.T;
    const xs = input.temporal ? tf.unstack(input.x) : new Array<tf.Tensor>(steps).fill(input.x);
    const k = tf.scalar(1 / this.tau);
    const leak = tf.scalar(this.vLeak);
    let v: tf.Tensor = tf.fill(xs[0].shape, this.vLeak);
    const out: tf.Tensor[] = [];
    for (const x of xs) {
      const decay = tf.mul(tf.sub(v, leak), k);
      v = this.decayInput ? tf.sub(tf.add(v, tf.mul(x, k)), decay) : tf.add(tf.sub(v, decay), x);
      out.push(v);
    }
    return { x: tf.stack(out), temporal: true };
  }

  outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
}
