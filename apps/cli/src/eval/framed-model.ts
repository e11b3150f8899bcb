import { modelTensors, type SpikingModel } from '@synaptogen/nn';
import { loadModelTensors } from '@synaptogen/nn/checkpoint';
import { buildModel } from '@synaptogen/nn/models';
import { CliError } from '../errors.js';
import type { EvaluateOptions } from './evaluate.js';
import { eventBatches, listEventSamples, longestRecording } from './event-frames.js';

/**
 * For measurements that need one fixed number of frames (the cost profile): the recordings framed as
 * `framing` says, every one padded to the longest, and the model as a `[T, C, H, W]` model with the
 * same weights (an image model such as an imported NIR CNN otherwise takes any T).
 */
export async function fixedFrames(model: SpikingModel, o: EvaluateOptions) {
  const all = listEventSamples(o.dataset, o.dataDir, o.split);
  const samples = all.slice(0, o.samples ?? all.length);
  const shape = model.config.inputShape;
  const T = shape.length === 4 ? shape[0] : (o.timeBins ?? (await longestRecording(samples, o)));
  if (shape.length === 4 && o.timeBins !== undefined && o.timeBins !== T)
    throw new CliError(`the model takes ${T} frames, not --time-bins ${o.timeBins}`, 2);
  let framed = model;
  if (shape.length === 3) {
    framed = buildModel({ ...model.config, inputShape: [T, ...shape], T });
    loadModelTensors(model.config.name, framed, modelTensors(model));
  }
  return {
    model: framed,
    source: eventBatches(samples, o, { batchSize: o.batchSize, frames: T }),
    count: samples.length,
    T,
  };
}
