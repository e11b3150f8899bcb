import type { SpikingModel } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { RasterLayer } from './protocol.js';

/**
 * Records the spikes of every neuron layer while the model (in evaluation mode) sees a batch:
 * the first `maxUnits` units of each layer, all T steps. Runs the body layer by layer, as
 * SpikingModel.forward does, because the model only returns the output rate.
 */
export function spikeRaster(
  model: SpikingModel,
  inputs: Float32Array,
  shape: readonly number[],
  maxUnits = 64,
): RasterLayer[] {
  if (shape.length !== 4) throw new Error(`spikeRaster: expected images [N, C, H, W], got [${shape}]`);
  const wasTraining = model.training;
  model.eval();
  model.resetState();
  try {
    const captured = tf.tidy(() => {
      const ctx = { T: model.T, training: false };
      let signal = {
        x: tf.transpose(tf.tensor(inputs, [...shape], 'float32'), [0, 2, 3, 1]),
        temporal: false,
      };
      const out: { name: string; spikes: tf.Tensor }[] = [];
      model.body.layers.forEach((layer, i) => {
        signal = layer.call(signal, ctx);
        if (layer.kind !== 'Neuron') return;
        const [T, N] = signal.x.shape;
        const flat = tf.reshape(signal.x, [T, N, -1]);
        const units = Math.min(flat.shape[2]!, maxUnits);
        out.push({ name: `body.${i}`, spikes: tf.keep(tf.slice(flat, [0, 0, 0], [T, N, units])) });
      });
      return out;
    });
    return captured.map(({ name, spikes }) => {
      const [T, samples, units] = spikes.shape as [number, number, number];
      const values = spikes.dataSync();
      spikes.dispose();
      const data = new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) data[i] = values[i] > 0.5 ? 1 : 0;
      return { name, T, samples, units, data };
    });
  } finally {
    model.resetState();
    model.train(wasTraining);
  }
}
