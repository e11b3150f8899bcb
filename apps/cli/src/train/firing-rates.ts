import type { Batch, SpikingModel } from '@synaptogen/nn';
import { Neuron } from '@synaptogen/nn/layers';
import * as tf from '@tensorflow/tfjs-core';

/** Samples of the test set the rates are measured on after each epoch (a forward pass, no gradients). */
export const FIRING_RATE_SAMPLES = 256;
/** Samples per forward pass of the measurement. */
const CHUNK = 32;

/** Spikes per neuron and time step of each `Neuron` layer (by module path, in model order). */
export interface FiringRates {
  layers: Record<string, number>;
  /** The layer whose rates are the model's output (the body ends in neurons), or null (a Linear readout). */
  output: string | null;
}

/**
 * Mean spikes per neuron and time step of every `Neuron` layer on the first test samples, in eval mode.
 * The observers are attached for this pass only.
 */
export async function measureFiringRates(
  model: SpikingModel,
  batches: AsyncIterable<Batch>,
  samples = FIRING_RATE_SAMPLES,
): Promise<FiringRates> {
  const sums = new Map<string, { spikes: tf.Tensor; count: number }>();
  const stops = model
    .namedModules()
    .filter((entry): entry is [string, Neuron] => entry[1] instanceof Neuron)
    .map(([name, layer]) => {
      sums.set(name, { spikes: tf.scalar(0), count: 0 });
      return layer.node.observe(({ spike }) => {
        const s = sums.get(name)!;
        const next = tf.add(s.spikes, tf.sum(spike));
        s.spikes.dispose();
        s.spikes = tf.keep(next);
        s.count += spike.size;
      });
    });
  const wasTraining = model.training;
  model.eval();
  try {
    let seen = 0;
    // time-major event frames [T, N, ...] are cut on axis 1, images [N, ...] on axis 0
    const axis = model.config.inputShape.length === 4 ? 1 : 0;
    for await (const batch of batches) {
      const n = Math.min(batch.labels.length, samples - seen);
      // at most CHUNK samples a pass: the observers' per-step records are extra tensors the run's heap
      // estimate did not measure, so the pass stays well below an evaluation batch
      for (let at = 0; at < n; at += CHUNK)
        tf.tidy(() => {
          const x = tf.tensor(batch.inputs, [...batch.shape], 'float32');
          const begin = x.shape.map((_, i) => (i === axis ? at : 0));
          const size = x.shape.map((d, i) => (i === axis ? Math.min(CHUNK, n - at) : d));
          model.forward(tf.slice(x, begin, size), { training: false });
        });
      seen += n;
      if (seen >= samples) break;
    }
  } finally {
    for (const stop of stops) stop();
    model.train(wasTraining);
  }
  const layers: Record<string, number> = {};
  for (const [name, { spikes, count }] of sums) {
    layers[name] = count ? spikes.dataSync()[0] / count : 0;
    spikes.dispose();
  }
  const body = model.body.layers;
  const output = body.at(-1) instanceof Neuron ? `body.${body.length - 1}` : null;
  return { layers, output };
}
