import * as tf from '@tensorflow/tfjs-core';
import { checkPenalty, Optimizer, penalizedGradient } from './optimizer.js';

export interface SGDOptions {
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  /** L1 penalty on conv kernels (rank-4 weights), see `Penalties.l1`. */
  l1?: number;
  nesterov?: boolean;
}

/** SGD with momentum as torch.optim.SGD (dampening 0): b = μb + g; θ −= lr·b (or lr·(g + μb) with Nesterov). */
export class SGD extends Optimizer {
  readonly kind = 'sgd';
  readonly momentum: number;
  readonly weightDecay: number;
  readonly l1: number;
  readonly nesterov: boolean;

  constructor(params: ReadonlyMap<string, tf.Variable>, options: SGDOptions = {}) {
    super(params, options.lr ?? 0.01);
    this.momentum = options.momentum ?? 0;
    this.weightDecay = checkPenalty('SGD: weightDecay', options.weightDecay);
    this.l1 = checkPenalty('SGD: l1', options.l1);
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && this.momentum <= 0) throw new Error('SGD: nesterov needs momentum > 0');
  }

  /** None: a non-finite momentum buffer makes the parameter non-finite in the same step. */
  override divergenceTensors(): [string, tf.Tensor][] {
    return [];
  }

  apply(grads: ReadonlyMap<string, tf.Tensor>): void {
    this.step++;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        let g = grads.get(name);
        if (!g) continue;
        g = penalizedGradient(p, g, this);
        if (this.momentum > 0) {
          // PyTorch initialises the buffer with the first gradient
          const fresh = !this.slots.has('momentum', name);
          const buf = this.slots.get('momentum', name, p);
          const b = fresh ? g : tf.add(tf.mul(buf, tf.scalar(this.momentum)), g);
          buf.assign(b);
          g = this.nesterov ? tf.add(g, tf.mul(b, tf.scalar(this.momentum))) : b;
        }
        p.assign(tf.sub(p, tf.mul(g, tf.scalar(this.lr))));
      }
    });
  }

  protected config(): Record<string, unknown> {
    return {
      lr: this.lr,
      momentum: this.momentum,
      weightDecay: this.weightDecay,
      l1: this.l1,
      nesterov: this.nesterov,
    };
  }
}
