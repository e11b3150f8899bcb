// Shared by the sca-* benchmarks: dense vs SCA training runs, SOP counting, inference timing.
import { batches, type ImageDataset } from '@synaptogen/datasets/node';
import {
  backendInfo,
  createModel,
  type EpochMetrics,
  SGD,
  type Signal,
  type SpikingModel,
} from '@synaptogen/nn';
import { Conv2d, Linear } from '@synaptogen/nn/layers';
import { compactModel, SCA, type SCAOptions, TrainingSession } from '@synaptogen/structure';
import * as tf from '@tensorflow/tfjs-core';
import { startBenchEngine } from '../engine.js';
import type { BenchRecord } from '../record.js';

/** The engine the CLI trains on (wasm + wasm-simd kernels; `pnpm bench --no-simd`: stock kernels). */
export async function startBackend(simd = true): Promise<{ backend: string; threads: number }> {
  await startBenchEngine({ simd });
  const info = backendInfo();
  return { backend: info?.backend ?? 'wasm', threads: info?.accelerator?.threads ?? 1 };
}

export interface RunSpec {
  model: string;
  width: number;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** null: dense. */
  sca: SCAOptions | null;
  augment: boolean;
  /** L1 penalty on conv kernels (the SCA paper's 3e-5); default 0. */
  l1?: number;
  /** Multiply the learning rate by 0.1 every this many epochs (as `train --lr-step`); default: constant. */
  lrStep?: number;
  /** Recount BatchNorm statistics on this many batches after a structure change (as `train --recalibrate-bn`). */
  recalibrateBatches?: number;
}

/** The runs SCA_VARIANTS="dense,sca-hard" names, or all of them. */
export function selected<T>(all: [string, T][]): [string, T][] {
  const only = process.env.SCA_VARIANTS?.split(',').map((s) => s.trim());
  return only ? all.filter(([label]) => only.includes(label)) : all;
}

/**
 * Dense, SCA with the reference's soft masks, and SCA with hard masks (p = 0.7, q = 0.1), all with the
 * same model, epochs, seed and data order.
 */
export function scaVariants(base: RunSpec): [string, RunSpec][] {
  return selected([
    ['dense', base],
    ['sca', { ...base, sca: { sparsity: 0.7, regrow: 0.1, maskMode: 'soft' } }],
    ['sca-hard', { ...base, sca: { sparsity: 0.7, regrow: 0.1, maskMode: 'hard' } }],
  ]);
}

/**
 * Dense and SCA keeping 30% (p = 0.7) and 50% (p = 0.5) of the channels, q = 0.1: the paper's
 * reference schedule (soft masks, an update every epoch from the first) and the practitioner's
 * (SCA_PRACTICE).
 */
export function scaKeepVariants(base: RunSpec): [string, RunSpec][] {
  const practice = { recalibrateBatches: PRACTICE_RECALIBRATE_BATCHES };
  return selected([
    ['dense', base],
    ['sca-30', { ...base, sca: { sparsity: 0.7, regrow: 0.1, maskMode: 'soft' } }],
    ['sca-50', { ...base, sca: { sparsity: 0.5, regrow: 0.1, maskMode: 'soft' } }],
    ['sca-30-practice', { ...base, ...practice, sca: { sparsity: 0.7, regrow: 0.1, ...SCA_PRACTICE } }],
    ['sca-50-practice', { ...base, ...practice, sca: { sparsity: 0.5, regrow: 0.1, ...SCA_PRACTICE } }],
    // channels ranked by firing rate instead of s + |v| (the best score in the N-MNIST ablation)
    [
      'sca-30-practice-fr',
      { ...base, ...practice, sca: { sparsity: 0.7, regrow: 0.1, ...SCA_PRACTICE, score: 'firing-rate' } },
    ],
    [
      'sca-50-practice-fr',
      { ...base, ...practice, sca: { sparsity: 0.5, regrow: 0.1, ...SCA_PRACTICE, score: 'firing-rate' } },
    ],
  ]);
}

/**
 * The practitioner's SCA (issue 15's named options, all off in the paper's reference): one dense
 * epoch, the sparsity ramped over the next two, every layer keeping at least 20% of its channels (the
 * global ranking alone left the first conv 4 of 32), masks that keep masked filters and their
 * γ-gradients so channels can regrow, and the last two epochs fine-tuned on the frozen structure.
 * Runs with it also recount the BatchNorm statistics after each structure change
 * (PRACTICE_RECALIBRATE_BATCHES; `train --recalibrate-bn`).
 */
export const SCA_PRACTICE: SCAOptions = {
  maskMode: 'regrowable',
  warmup: 1,
  rampEpochs: 2,
  finetuneEpochs: 2,
  minKeep: 0.2,
};

/** Training batches the BatchNorm statistics are recounted on after a structure change. */
export const PRACTICE_RECALIBRATE_BATCHES = 20;

/** SCA options as `synaptogen train` flags (--learner-option key=value, JSON values). */
export function scaCliFlags(options: SCAOptions): string[] {
  return Object.entries(options).flatMap(([k, v]) => ['--learner-option', `${k}=${JSON.stringify(v)}`]);
}

/**
 * The claim of an SCA benchmark: each variant's mean accuracy over the seeds and, for the SCA ones,
 * the points it stands below dense against its goal (`goalOf(variant)`), as records and log lines.
 */
export function gapsToDense(
  benchmark: string,
  accuracy: ReadonlyMap<string, number[]>,
  seeds: number[],
  what: string,
  goalOf: (variant: string) => number,
  log: (line: string) => void,
): BenchRecord[] {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const dense = accuracy.get('dense');
  const records: BenchRecord[] = [];
  for (const [variant, accs] of accuracy) {
    records.push({
      benchmark,
      metric: `${variant}/mean ${what}`,
      value: mean(accs),
      unit: 'fraction',
      config: { seeds },
    });
    if (!dense || variant === 'dense') continue;
    const gap = 100 * (mean(dense) - mean(accs));
    const goal = goalOf(variant);
    records.push({
      benchmark,
      metric: `${variant}/points below dense`,
      value: gap,
      unit: 'points',
      config: { seeds, goal: `≤ ${goal}`, met: gap <= goal },
    });
    log(`${variant}: ${gap.toFixed(2)} points below dense (goal ≤ ${goal}) over seeds ${seeds}`);
  }
  return records;
}

export interface RunOutcome {
  history: EpochMetrics[];
  testAccuracy: number;
  channelsKept: number;
  testSamples?: number;
  /** Trainable parameters after compaction (equal to the dense count for dense runs). */
  parameters: number;
  parametersDense: number;
  trainSeconds: number;
  model: SpikingModel;
}

const normalizes = (ds: ImageDataset) => ds.channels === 3 && !ds.timesteps;
const inputShape = (ds: ImageDataset) =>
  ds.timesteps ? [ds.timesteps, ds.channels, ds.height, ds.width] : [ds.channels, ds.height, ds.width];

export const testBatches = (ds: ImageDataset) =>
  batches(ds, { batchSize: 200, shuffle: false, normalize: normalizes(ds) });

/** Trains from scratch with SGD (momentum 0.9) through structure's TrainingSession, as the CLI does. */
export async function trainRun(
  spec: RunSpec,
  train: ImageDataset,
  test: ImageDataset,
  log: (l: string) => void,
  label: string,
): Promise<RunOutcome> {
  const model = createModel(spec.model, {
    width: spec.width,
    inputShape: inputShape(train),
    classes: train.classes,
    seed: spec.seed,
  });
  const session = new TrainingSession({
    model,
    learner: spec.sca ? new SCA(spec.sca) : undefined,
    optimizer: (params) => new SGD(params, { lr: spec.lr, momentum: 0.9, l1: spec.l1 }),
    lr: spec.lr,
    seed: spec.seed,
    totalSteps: spec.epochs * Math.ceil(train.count / spec.batchSize),
  });
  const { trainer } = session;
  const { lrStep, recalibrateBatches } = spec;
  const trainBatches = (epoch: number) =>
    batches(train, {
      batchSize: spec.batchSize,
      seed: spec.seed,
      epoch,
      augment: spec.augment && normalizes(train) ? { cropPadding: 4, flip: true } : undefined,
      normalize: normalizes(train),
    });
  const history = await trainer.fit({
    epochs: spec.epochs,
    schedule: lrStep ? (epoch) => spec.lr * 0.1 ** Math.floor(epoch / lrStep) : undefined,
    recalibrate: recalibrateBatches ? { batches: recalibrateBatches, source: trainBatches } : undefined,
    train: trainBatches,
    onEpoch: (m) =>
      log(
        `${label}: epoch ${m.epoch}/${spec.epochs} train loss ${m.trainLoss.toFixed(4)} train acc ${(100 * m.trainAccuracy).toFixed(2)}%` +
          (typeof m.channelsKept === 'number' ? ` channels ${(100 * m.channelsKept).toFixed(1)}%` : '') +
          ` ${m.trainSeconds.toFixed(0)} s`,
      ),
  });
  // the test split is evaluated once, after training (evaluating 10000 images every epoch costs minutes)
  const evaluation = await trainer.evaluate(testBatches(test));
  log(`${label}: test accuracy ${(100 * evaluation.accuracy).toFixed(2)}% on ${evaluation.samples} samples`);
  const c = compactModel(model);
  c.model.dispose();
  session.dispose({ model: false }); // the caller measures and saves the model
  const last = history.at(-1);
  return {
    history,
    testAccuracy: evaluation.accuracy,
    channelsKept: (last?.channelsKept as number | undefined) ?? 1,
    parameters: c.parametersAfter,
    parametersDense: c.parametersBefore,
    trainSeconds: history.reduce((a, m) => a + m.trainSeconds, 0),
    model,
  };
}

/**
 * Synaptic operations per sample, measured: for every conv/linear layer fed by spikes, the number of
 * (spike, existing synapse) pairs over all T steps — the sum of the layer applied to the spikes with
 * its weights replaced by 1 where w ≠ 0. Layers fed by the analog input (direct encoding) count as
 * MACs: nonzero weights × output positions, once per sample.
 */
export async function measureOps(
  model: SpikingModel,
  ds: ImageDataset,
  limit: number,
): Promise<{ sops: number; macs: number }> {
  let sops = 0;
  let macs = 0;
  let samples = 0;
  const ctx = { T: model.T, training: false };
  const wasTraining = model.training;
  model.eval();
  for await (const b of batches(ds, { batchSize: 100, shuffle: false, normalize: normalizes(ds), limit })) {
    const n = b.labels.length;
    const [s, m] = tf.tidy(() => {
      model.resetState();
      const x = tf.tensor(b.inputs, b.shape);
      let sig: Signal =
        x.rank === 5
          ? { x: tf.transpose(x, [0, 1, 3, 4, 2]), temporal: true }
          : { x: tf.transpose(x, [0, 2, 3, 1]), temporal: false };
      let sopT = tf.scalar(0);
      let macT = tf.scalar(0);
      for (const layer of model.body.layers) {
        if (layer instanceof Conv2d || layer instanceof Linear) {
          const ind = tf.cast(tf.notEqual(layer.weight, 0), 'float32');
          const flat = sig.temporal ? tf.reshape(sig.x, [-1, ...sig.x.shape.slice(2)]) : sig.x;
          if (sig.temporal) {
            const count =
              layer instanceof Conv2d
                ? tf.sum(tf.conv2d(flat as tf.Tensor4D, ind as tf.Tensor4D, layer.stride, layer.padding))
                : tf.sum(tf.matMul(flat as tf.Tensor2D, ind as tf.Tensor2D));
            sopT = tf.add(sopT, count);
          } else {
            const out = layer.outputShape(flat.shape.slice(1));
            const positions = layer instanceof Conv2d ? out[0] * out[1] : 1;
            macT = tf.add(macT, tf.scalar(tf.sum(ind).dataSync()[0] * positions * n));
          }
        }
        sig = layer.call(sig, ctx);
      }
      return [sopT, macT];
    });
    sops += s.dataSync()[0];
    macs += m.dataSync()[0];
    tf.dispose([s, m]);
    samples += n;
  }
  model.resetState();
  model.train(wasTraining);
  return { sops: sops / samples, macs: macs / samples };
}

/** Median seconds per `predict` of `x` over `repeats` runs after one warm-up. */
export function timePredict(model: SpikingModel, x: tf.Tensor, repeats: number): number {
  model.predict(x).dispose();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const y = model.predict(x);
    y.dataSync();
    times.push((performance.now() - t0) / 1000);
    y.dispose();
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

export { compactModel };
