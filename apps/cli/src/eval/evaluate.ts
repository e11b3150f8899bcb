import { batches, DatasetError, isDatasetName, loadDataset, type Split } from '@synaptogen/datasets/node';
import { type Batch, restoreModel, type SpikingModel } from '@synaptogen/nn';
import { CheckpointError } from '@synaptogen/nn/checkpoint';
import { loadCheckpoint } from '@synaptogen/nn/node';
import * as tf from '@tensorflow/tfjs-core';
import { CliError } from '../errors.js';
import { eventBatches, type Framing, listEventSamples } from './event-frames.js';

export interface EvaluateOptions extends Framing {
  dataset: string;
  dataDir?: string;
  split: Split;
  /** At most this many samples, in the dataset's order. */
  samples?: number;
  batchSize: number;
}

/** The batches an evaluation (or a cost measurement) reads: event frames when framing is given, else the dataset's own. */
export async function evaluationBatches(
  o: EvaluateOptions,
  frames?: number,
): Promise<{ source: AsyncIterable<Batch>; count: number }> {
  if (!isDatasetName(o.dataset)) throw new CliError(`unknown dataset "${o.dataset}"`, 2);
  try {
    if (o.frameMs !== undefined || o.timeBins !== undefined) {
      const all = listEventSamples(o.dataset, o.dataDir, o.split);
      const samples = all.slice(0, o.samples ?? all.length);
      return { source: eventBatches(samples, o, { batchSize: o.batchSize, frames }), count: samples.length };
    }
    // as `train` reads it: CIFAR-10's training split may be its first batch file only
    const ds = await loadDataset(o.dataset, {
      dataDir: o.dataDir,
      split: o.split,
      limit: o.samples,
      allowMissingBatches: o.split === 'train',
    });
    const n = Math.min(ds.count, o.samples ?? ds.count);
    const isImage = !ds.timesteps;
    // the preprocessing `train` evaluates with
    const source = batches(ds, {
      batchSize: o.batchSize,
      shuffle: false,
      limit: n,
      normalize: ds.channels === 3 && isImage,
    });
    return { source, count: n };
  } catch (e) {
    if (e instanceof DatasetError) throw new CliError(e.message, 1);
    throw e;
  }
}

/**
 * Training batches to recount BatchNorm statistics on before an evaluation, spread over the whole
 * split (datasets are often stored class by class): a seeded shuffle of the dataset, or for event
 * framing, evenly spaced recordings.
 */
export async function recountBatches(
  o: Omit<EvaluateOptions, 'split' | 'samples'>,
  count: number,
  seed: number,
): Promise<AsyncIterable<Batch>> {
  try {
    if (o.frameMs !== undefined || o.timeBins !== undefined) {
      const all = listEventSamples(o.dataset, o.dataDir, 'train');
      const n = Math.min(all.length, count * o.batchSize);
      const spread = Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n)]);
      return eventBatches(spread, o, { batchSize: o.batchSize });
    }
    const ds = await loadDataset(o.dataset, {
      dataDir: o.dataDir,
      split: 'train',
      allowMissingBatches: true,
    });
    const isImage = !ds.timesteps;
    return batches(ds, {
      batchSize: o.batchSize,
      shuffle: true,
      seed,
      normalize: ds.channels === 3 && isImage,
    });
  } catch (e) {
    if (e instanceof DatasetError) throw new CliError(e.message, 1);
    throw e;
  }
}

export async function restoreCheckpoint(
  dir: string,
): Promise<{ model: SpikingModel; meta: Record<string, unknown> }> {
  try {
    const data = await loadCheckpoint(dir);
    const model = restoreModel(dir, data);
    for (const t of data.tensors.values()) t.dispose();
    return { model, meta: data.manifest.meta };
  } catch (e) {
    if (e instanceof CheckpointError) throw new CliError(e.message, 1);
    throw e;
  }
}

export interface Evaluation {
  samples: number;
  correct: number;
  accuracy: number;
}

/** Accuracy of the model's argmax (first maximum on ties, as PyTorch) over the batches. */
export async function evaluate(
  model: SpikingModel,
  source: AsyncIterable<Batch>,
  onBatch?: (done: number, correct: number) => void,
): Promise<Evaluation> {
  let samples = 0;
  let correct = 0;
  model.eval();
  for await (const batch of source) {
    const hits = tf.tidy(() => {
      const out = model.predict(tf.tensor(batch.inputs, [...batch.shape], 'float32'));
      const y = tf.tensor1d(Array.from(batch.labels), 'int32');
      return tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), y), 'int32'));
    });
    correct += (await hits.data())[0];
    hits.dispose();
    samples += batch.labels.length;
    onBatch?.(samples, correct);
  }
  return { samples, correct, accuracy: samples ? correct / samples : Number.NaN };
}
