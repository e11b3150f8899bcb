import type { Signal, SpikingModel } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import type { RasterLayer } from './protocol.js';

/**
 * Records the spikes of every neuron layer while the model (in evaluation mode) sees a batch:
 * the first `maxUnits` units of each layer, all T steps, and the model's prediction per sample. Runs
 * the body layer by layer, as SpikingModel.forward does, because the model only returns the output.
 */
export function spikeRaster(
  model: SpikingModel,
  inputs: Float32Array,
  shape: readonly number[],
  maxUnits = 64,
): { layers: RasterLayer[]; predictions: number[] } {
  // images [N, C, H, W] or time-major event frames [T, N, C, H, W]
  if (shape.length !== 4 && shape.length !== 5)
    throw new Error(`spikeRaster: expected [N, C, H, W] or [T, N, C, H, W], got [${shape}]`);
  const wasTraining = model.training;
  model.eval();
  model.resetState();
  try {
    const { captured, predicted } = tf.tidy(() => {
      const timeMajor = shape.length === 5;
      const ctx = { T: timeMajor ? shape[0] : model.T, training: false };
      const x = tf.tensor(inputs, [...shape], 'float32');
      let signal: Signal = timeMajor
        ? { x: tf.transpose(x, [0, 1, 3, 4, 2]), temporal: true }
        : { x: tf.transpose(x, [0, 2, 3, 1]), temporal: false };
      const out: { name: string; spikes: tf.Tensor }[] = [];
      model.body.layers.forEach((layer, i) => {
        signal = layer.call(signal, ctx);
        if (layer.kind !== 'Neuron') return;
        const [T, N] = signal.x.shape;
        const flat = tf.reshape(signal.x, [T, N, -1]);
        const units = Math.min(flat.shape[2]!, maxUnits);
        out.push({ name: `body.${i}`, spikes: tf.keep(tf.slice(flat, [0, 0, 0], [T, N, units])) });
      });
      // the model's output: mean over T of the last layer (rates, or logits after a Linear readout)
      const output = signal.temporal ? tf.mean(signal.x, 0) : signal.x;
      return { captured: out, predicted: tf.keep(tf.argMax(output, 1)) };
    });
    const predictions = Array.from(predicted.dataSync());
    predicted.dispose();
    const layers = captured.map(({ name, spikes }) => {
      const [T, samples, units] = spikes.shape as [number, number, number];
      const values = spikes.dataSync();
      spikes.dispose();
      const data = new Uint8Array(values.length);
      for (let i = 0; i < values.length; i++) data[i] = values[i] > 0.5 ? 1 : 0;
      return { name, T, samples, units, data };
    });
    return { layers, predictions };
  } finally {
    model.resetState();
    model.train(wasTraining);
  }
}
