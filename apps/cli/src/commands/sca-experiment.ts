import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  batchCount,
  batches,
  DatasetNotFoundError,
  holdOut,
  type ImageDataset,
  isDatasetName,
  loadDataset,
} from '@synaptogen/datasets/node';
import { createModel, type EpochMetrics, MODEL_NAMES, SGD, type SpikingModel } from '@synaptogen/nn';
import type { RecalibrateEvery } from '@synaptogen/nn/train';
import { compactModel, createLearner, TrainingSession } from '@synaptogen/structure';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from 'commander';
import { CliError } from '../errors.js';

/** Shared by `ablate` and `robustness`: short, sample-limited training runs and evaluation. */

export interface DataOptions {
  dataset: string;
  dataDir?: string;
  trainLimit?: number;
  testLimit?: number;
}

export interface RunOptions extends DataOptions {
  model: string;
  width?: number;
  timesteps?: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Recount BatchNorm statistics on this many training batches after a structure change (0/undefined: off). */
  recalibrateBn?: number;
  /** With recalibrateBn: after structure changes (default) or after every epoch. */
  recalibrateBnEvery?: RecalibrateEvery;
}

export interface Variant {
  name: string;
  /** `null`: dense training. */
  learner: { name: string; options: Record<string, unknown> } | null;
}

export interface VariantResult {
  variant: string;
  learner: string;
  options: Record<string, unknown>;
  testAccuracy: number;
  trainAccuracy: number;
  channelsKept: number;
  /** Trainable parameters of the compacted model (masked channels removed). */
  parameters: number;
  parametersDense: number;
  trainSeconds: number;
  history: EpochMetrics[];
}

export function imageShape(ds: ImageDataset): number[] {
  return ds.timesteps ? [ds.timesteps, ds.channels, ds.height, ds.width] : [ds.channels, ds.height, ds.width];
}

/** The normalisation `train` uses: per-channel mean/std for 3-channel still images. */
export const normalizes = (ds: ImageDataset) => ds.channels === 3 && !ds.timesteps;

/**
 * The train and test splits; where the data root has no test split (N-MNIST's train1K set), 20% of
 * each class of the whole training split, drawn with `seed`, as `train` does (`heldOut` says so).
 */
export async function loadSplits(o: DataOptions & { seed?: number }) {
  if (!isDatasetName(o.dataset)) throw new CliError(`unknown dataset "${o.dataset}"`, 2);
  const trainSplit = (limit?: number) =>
    loadDataset(o.dataset, { dataDir: o.dataDir, split: 'train', limit, allowMissingBatches: true });
  const [train, test] = await Promise.all([
    trainSplit(o.trainLimit),
    loadDataset(o.dataset, { dataDir: o.dataDir, split: 'test', limit: o.testLimit }).catch((e) => {
      if (e instanceof DatasetNotFoundError) return null;
      throw e;
    }),
  ]);
  if (test) return { train, test, heldOut: 0 };
  return { ...holdOut(await trainSplit(), { fraction: 0.2, seed: o.seed ?? 0 }), heldOut: 0.2 };
}

export const testBatches = (ds: ImageDataset, limit?: number) =>
  batches(ds, { batchSize: 250, shuffle: false, limit, normalize: normalizes(ds) });

/** Trains one variant from scratch (SGD with momentum 0.9) and measures it. */
export async function trainVariant(
  o: RunOptions,
  variant: Variant,
  data: { train: ImageDataset; test: ImageDataset },
  log: (line: string) => void,
): Promise<{ model: SpikingModel; result: VariantResult }> {
  if (!MODEL_NAMES.includes(o.model))
    throw new CliError(`unknown model "${o.model}"; expected one of: ${MODEL_NAMES.join(', ')}`, 2);
  const model = createModel(o.model, {
    T: o.timesteps,
    inputShape: imageShape(data.train),
    classes: data.train.classes,
    seed: o.seed,
    width: o.width,
  });
  const session = new TrainingSession({
    model,
    learner: variant.learner ? createLearner(variant.learner.name, variant.learner.options) : undefined,
    optimizer: (params) => new SGD(params, { lr: o.lr, momentum: 0.9 }),
    lr: o.lr,
    seed: o.seed,
    // the run length: SCA's fine-tuning epochs are counted back from it
    totalSteps: batchCount(data.train, { batchSize: o.batchSize, limit: o.trainLimit }) * o.epochs,
  });
  const { trainer } = session;
  const trainBatches = (epoch: number) =>
    batches(data.train, {
      batchSize: o.batchSize,
      seed: o.seed,
      epoch,
      limit: o.trainLimit,
      augment: normalizes(data.train) ? { cropPadding: 4, flip: true } : undefined,
      normalize: normalizes(data.train),
    });
  const history = await trainer.fit({
    epochs: o.epochs,
    train: trainBatches,
    recalibrate: o.recalibrateBn
      ? { batches: o.recalibrateBn, every: o.recalibrateBnEvery, source: trainBatches }
      : undefined,
    test: () => testBatches(data.test, o.testLimit),
    onEpoch: (m) =>
      log(
        `${variant.name}: epoch ${m.epoch}/${o.epochs}  train acc ${(100 * m.trainAccuracy).toFixed(2)}%  test acc ${(100 * (m.testAccuracy ?? Number.NaN)).toFixed(2)}%` +
          (typeof m.channelsKept === 'number'
            ? `  channels kept ${(100 * m.channelsKept).toFixed(1)}%`
            : '') +
          `  ${m.trainSeconds.toFixed(1)} s`,
      ),
  });
  const last = history.at(-1);
  const compact = compactModel(model);
  compact.model.dispose();
  const kept = (last?.channelsKept as number | undefined) ?? 1;
  session.dispose({ model: false });
  return {
    model,
    result: {
      variant: variant.name,
      learner: variant.learner?.name ?? 'dense',
      options: variant.learner?.options ?? {},
      testAccuracy: last?.testAccuracy ?? Number.NaN,
      trainAccuracy: last?.trainAccuracy ?? Number.NaN,
      channelsKept: kept,
      parameters: compact.parametersAfter,
      parametersDense: compact.parametersBefore,
      trainSeconds: history.reduce((a, m) => a + m.trainSeconds, 0),
      history,
    },
  };
}

/** Evaluation accuracy over the test split; `perturb` may change each input batch (noise). */
export async function accuracy(
  model: SpikingModel,
  test: ImageDataset,
  limit: number | undefined,
  perturb?: (x: tf.Tensor, batchIndex: number) => tf.Tensor,
): Promise<number> {
  let correct = 0;
  let samples = 0;
  let i = 0;
  for await (const b of testBatches(test, limit)) {
    const hits = tf.tidy(() => {
      let x = tf.tensor(b.inputs, [...b.shape], 'float32');
      if (perturb) x = perturb(x, i);
      const y = tf.tensor1d(Int32Array.from(b.labels), 'int32');
      return tf.sum(tf.cast(tf.equal(tf.argMax(model.predict(x), 1), y), 'int32'));
    });
    correct += hits.dataSync()[0];
    hits.dispose();
    samples += b.labels.length;
    i++;
  }
  model.resetState();
  return samples ? correct / samples : Number.NaN;
}

/** Writes text atomically (temp file in the same directory, then rename). */
export function writeAtomic(file: string, text: string): void {
  const target = resolve(file);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text);
  renameSync(tmp, target);
}

/** A Markdown table. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : 'n/a');

/** Commander parser: comma-separated non-negative numbers. */
export function numberList(flag: string) {
  return (v: string): number[] => {
    const out = v.split(',').map((s) => Number(s.trim()));
    if (!out.length || out.some((n) => !Number.isFinite(n) || n < 0))
      throw new InvalidArgumentError(`${flag} expects comma-separated numbers ≥ 0, got "${v}"`);
    return out;
  };
}

export function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag} must be a positive integer, got "${v}"`);
    return n;
  };
}

export function positiveNumber(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0)
      throw new InvalidArgumentError(`${flag} must be a number > 0, got "${v}"`);
    return n;
  };
}

export function fraction(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 1)
      throw new InvalidArgumentError(`${flag} must be in [0, 1], got "${v}"`);
    return n;
  };
}
