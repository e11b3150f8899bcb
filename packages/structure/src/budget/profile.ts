import type { NetworkProfile, SpikingModel } from '@synaptogen/nn';
import { profileWeights, ZERO_WEIGHT } from '@synaptogen/nn/profile';
import type * as tf from '@tensorflow/tfjs-core';

/** The weights-only profile a budget judges, with the learner's view of which synapses exist. */
export interface BudgetInput {
  profile: NetworkProfile;
  /** |w| of the existing weights per profile layer (0 where pruned), in the profile's weight layout. */
  importance: Float32Array[];
  /** Existing / all prunable weights. */
  active: number;
  total: number;
}

/**
 * `profileWeights(model)` where a weight exists only if |w| ≥ ZERO_WEIGHT and, when the learner has a
 * mask for it (`masks.get(<layer>.weight)`), the mask is 1: between the optimizer step and the learner's
 * re-masking a pruned weight may be nonzero for a moment.
 */
export function budgetInput(model: SpikingModel, masks?: ReadonlyMap<string, tf.Tensor>): BudgetInput {
  const profile = profileWeights(model);
  const weights = new Map(model.prunableWeights());
  const importance: Float32Array[] = [];
  let active = 0;
  let total = 0;
  profile.layers = profile.layers.map((layer) => {
    const name = `${layer.name}.weight`;
    const w = weights.get(name);
    if (!w) throw new Error(`budget: profile layer ${layer.name} has no prunable weight "${name}"`);
    const values = w.dataSync();
    const mask = masks?.get(name)?.dataSync();
    const imp = new Float32Array(values.length);
    const exists = new Uint8Array(values.length);
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i]);
      if (a >= ZERO_WEIGHT && (!mask || mask[i] > 0)) {
        exists[i] = 1;
        imp[i] = a;
        n++;
      }
    }
    importance.push(imp);
    active += n;
    total += values.length;
    return {
      ...layer,
      weights: n === values.length ? { kind: 'dense' as const } : { kind: 'mask' as const, mask: exists },
    };
  });
  return { profile, importance, active, total };
}
