import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../backend.js';
import { createModel } from '../models/zoo.js';
import { estimateStepMemory, measureStepMemory } from './memory.js';

describe('estimateStepMemory: the heap a training step needs, measured small and extrapolated', () => {
  it('on wasm, the estimate at batch 8 from batches 1 and 2 matches the measured peak at 8', async () => {
    await initBackend({ backend: 'wasm' });
    const model = createModel('conv-small', { seed: 0, width: 0.25 });
    const tensorsBefore = tf.memory().numTensors;
    const e = await estimateStepMemory(model, { batchSize: 8 });
    const measured = await measureStepMemory(model, 8);
    expect(e.perSample).toBeGreaterThan(0);
    expect(Math.abs(e.bytes - measured) / measured).toBeLessThan(0.05);
    // an evaluation pass keeps no tape: it needs less per sample than a training step
    const evaluation = await estimateStepMemory(model, { batchSize: 8, mode: 'eval' });
    expect(evaluation.perSample).toBeLessThan(e.perSample);
    // nothing is left behind, and the model is back in its mode
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(model.training).toBe(true);
    model.dispose();
  });

  it('grows with the batch and the time steps', async () => {
    await initBackend({ backend: 'wasm' });
    const t4 = createModel('gradr-mnist-mlp', { seed: 0, T: 4 });
    const t8 = createModel('gradr-mnist-mlp', { seed: 0, T: 8 });
    const a = await estimateStepMemory(t4, { batchSize: 64 });
    const b = await estimateStepMemory(t8, { batchSize: 64 });
    expect(b.perSample).toBeGreaterThan(a.perSample);
    expect((await estimateStepMemory(t4, { batchSize: 128 })).bytes).toBeGreaterThan(a.bytes);
    t4.dispose();
    t8.dispose();
  });
});
