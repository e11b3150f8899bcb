import type { SpikingModel } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';

export interface Connectivity {
  /** Nonzero prunable weights / all prunable weights (|w| < 1e-10 counts as zero, as Grad R does). */
  global: number;
  perLayer: Record<string, number>;
}

export function measureConnectivity(model: SpikingModel): Connectivity {
  let alive = 0;
  let total = 0;
  const perLayer: Record<string, number> = {};
  for (const [name, w] of model.prunableWeights()) {
    const nz = tf.tidy(
      () => tf.sum(tf.cast(tf.greaterEqual(tf.abs(w), tf.scalar(1e-10)), 'int32')).dataSync()[0],
    );
    perLayer[name] = nz / w.size;
    alive += nz;
    total += w.size;
  }
  return { global: total ? alive / total : 1, perLayer };
}
