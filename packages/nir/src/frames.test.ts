import { createModel } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { exportNir, exportNirBytes } from './export.js';
import { importNirBytes } from './import.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it('a model of event frames [T, C, H, W] exports its frames as the input signal and comes back the same', () => {
  const model = createModel('conv-small', { width: 0.125, inputShape: [4, 2, 16, 16], seed: 2 });
  const graph = exportNir(model, { dt: 2e-3 });
  expect(graph.nodes.get('input')?.params.shape).toMatchObject({
    shape: [3],
    data: Float64Array.of(2, 16, 16),
  });
  expect(graph.metadata.input_encoding).toBe('frames: one input frame per time step');
  expect(graph.metadata.time_steps).toMatchObject({ data: Float64Array.of(4) });
  const { model: again } = importNirBytes(exportNirBytes(model, { dt: 2e-3 }));
  expect(again.config.inputShape).toEqual([4, 2, 16, 16]);
  const x = tf.tidy(() =>
    tf.cast(tf.greater(tf.randomUniform([4, 3, 2, 16, 16], 0, 1, 'float32', 5), 0.8), 'float32'),
  );
  expect(Array.from(again.predict(x).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
});
