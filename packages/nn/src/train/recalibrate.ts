import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm } from '../layers/batchnorm.js';
import type { SpikingModel } from '../models/spiking-model.js';
import type { Batch } from './trainer.js';

/**
 * Recounts every BatchNorm's running statistics on `batches` training batches of the network as it
 * is now, leaving the weights alone. Pruning a channel changes what the layers after it see, so the
 * running statistics gathered before the change no longer hold: evaluated right after a structure
 * update, an SNN with stale statistics can fall to chance (SCA's update after every epoch). The
 * statistics become the plain mean over the recounted batches (PyTorch's momentum=None); only the
 * BatchNorm layers run in training mode (no dropout, no activity observers). Returns the batches used.
 */
export async function recalibrateBatchNorm(
  model: SpikingModel,
  source: AsyncIterable<Batch> | Iterable<Batch>,
  batches: number,
): Promise<number> {
  const norms = model.namedModules().flatMap(([, m]) => (m instanceof BatchNorm ? [m] : []));
  if (!norms.length || batches <= 0) return 0;
  const wasTraining = model.training;
  model.eval();
  for (const bn of norms) {
    bn.train(true);
    bn.beginRecount();
  }
  let used = 0;
  try {
    for await (const batch of source) {
      tf.tidy(() => {
        model.forward(tf.tensor(batch.inputs, [...batch.shape], 'float32'), { training: true });
      });
      if (++used >= batches) break;
    }
  } finally {
    for (const bn of norms) bn.endRecount();
    model.resetState();
    model.train(wasTraining);
  }
  return used;
}
