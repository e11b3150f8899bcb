import { basename, resolve } from 'node:path';
import {
  batchCount,
  batches,
  DATASET_NAMES,
  type ImageDataset,
  isDatasetName,
  loadDataset,
} from '@synaptogen/datasets/node';
import {
  Adam,
  type CheckpointData,
  createModel,
  type EpochMetrics,
  initBackend,
  MODEL_NAMES,
  modelTensors,
  type Optimizer,
  restoreModel,
  SGD,
  type SpikingModel,
  stepLr,
  Trainer,
} from '@synaptogen/nn';
import { loadCheckpoint, saveCheckpoint } from '@synaptogen/nn/node';
import type * as tf from '@tensorflow/tfjs-core';
import { CliError } from '../errors.js';
import { measureConnectivity } from './connectivity.js';
import type { TrainOptions } from './options.js';
import { EpochProgress } from './progress.js';

export interface TrainSummary {
  dataset: string;
  model: string;
  learner: string;
  backend: string;
  epochs: number;
  testAccuracy: number | null;
  testLoss: number | null;
  trainLoss: number | null;
  connectivity: number;
  connectivityPerLayer: Record<string, number>;
  trainSeconds: number;
  samplesPerSecond: number;
  checkpoint: string;
  history: EpochMetrics[];
}

/** Everything a resumed run needs to continue as if it had never stopped. */
interface RunState {
  options: TrainOptions;
  completedEpochs: number;
  step: number;
  trainSeconds: number;
  history: EpochMetrics[];
}

function imageShape(ds: ImageDataset): number[] {
  return ds.timesteps ? [ds.timesteps, ds.channels, ds.height, ds.width] : [ds.channels, ds.height, ds.width];
}

function makeOptimizer(model: SpikingModel, o: TrainOptions): Optimizer {
  const params = new Map(model.namedParameters().filter(([, v]) => v.trainable));
  return o.optimizer === 'sgd'
    ? new SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay })
    : new Adam(params, { lr: o.lr, weightDecay: o.weightDecay });
}

async function readResume(dir: string): Promise<{ data: CheckpointData; state: RunState }> {
  const data = await loadCheckpoint(dir);
  const state = data.manifest.meta.run as RunState | undefined;
  if (!state || typeof state.completedEpochs !== 'number' || !state.options) {
    throw new CliError(`checkpoint ${dir}: has no training state to resume from (meta.run is missing)`);
  }
  return { data, state };
}

/** `synaptogen train`: loads data through the data root, trains with BPTT, checkpoints each epoch. */
export async function runTraining(flags: TrainOptions, log: (line: string) => void): Promise<TrainSummary> {
  // the backend first: reading a checkpoint creates tensors
  const backend = await initBackend({ backend: flags.backend });
  let resumed: { data: CheckpointData; state: RunState } | undefined;
  if (flags.resume) resumed = await readResume(flags.resume);
  // a resumed run keeps its hyper-parameters; only the epoch target and output flags may change
  const o: TrainOptions = resumed
    ? {
        ...resumed.state.options,
        epochs: flags.epochs,
        json: flags.json,
        quiet: flags.quiet,
        out: flags.out ?? flags.resume,
        resume: flags.resume,
        backend: flags.backend,
      }
    : flags;
  if (!MODEL_NAMES.includes(o.model))
    throw new CliError(`unknown model "${o.model}"; expected one of: ${MODEL_NAMES.join(', ')}`, 2);
  if (!isDatasetName(o.dataset))
    throw new CliError(`unknown dataset "${o.dataset}"; expected one of: ${DATASET_NAMES.join(', ')}`, 2);
  if (o.learner !== 'dense') throw new CliError(`unknown learner "${o.learner}"; expected: dense`, 2);
  const out = resolve(o.out ?? `runs/${o.model}-${o.dataset}`);

  const [trainSet, testSet] = await Promise.all([
    loadDataset(o.dataset, {
      dataDir: o.dataDir,
      split: 'train',
      limit: o.trainLimit,
      allowMissingBatches: true,
    }),
    loadDataset(o.dataset, { dataDir: o.dataDir, split: 'test', limit: o.testLimit }),
  ]);

  const model = resumed
    ? restoreModel(flags.resume!, resumed.data)
    : createModel(o.model, {
        T: o.timesteps,
        inputShape: imageShape(trainSet),
        classes: trainSet.classes,
        seed: o.seed,
        width: o.width,
      });
  const optimizer = makeOptimizer(model, o);
  if (resumed) restoreOptimizer(optimizer, resumed.data);
  const trainer = new Trainer({ model, optimizer });
  const state: RunState = resumed?.state
    ? { ...resumed.state, options: o }
    : { options: o, completedEpochs: 0, step: 0, trainSeconds: 0, history: [] };
  trainer.step = state.step;
  if (resumed) for (const t of resumed.data.tensors.values()) t.dispose();

  const isImage = !trainSet.timesteps;
  const batchOptions = (epoch: number) => ({
    batchSize: o.batchSize,
    seed: o.seed,
    epoch,
    limit: o.trainLimit,
    augment: o.augment && isImage && trainSet.channels === 3 ? { cropPadding: 4, flip: true } : undefined,
    normalize: trainSet.channels === 3 && isImage,
  });
  const perEpoch = batchCount(trainSet, { batchSize: o.batchSize, limit: o.trainLimit });
  const progress = new EpochProgress(!o.quiet && Boolean(process.stderr.isTTY));
  const start = state.completedEpochs;
  if (start >= o.epochs)
    log(`checkpoint ${out} already has ${start} epochs; nothing to train (raise --epochs)`);

  await trainer.fit({
    epochs: o.epochs,
    startEpoch: start,
    train: (epoch) => {
      progress.start(epoch + 1, o.epochs, perEpoch);
      return batches(trainSet, batchOptions(epoch));
    },
    test: () =>
      batches(testSet, {
        batchSize: 1000,
        shuffle: false,
        limit: o.testLimit,
        normalize: trainSet.channels === 3 && isImage,
      }),
    schedule: o.lrStep ? stepLr(o.lr, o.lrStep, o.lrGamma) : undefined,
    onBatch: (info) => progress.update(info.batchIndex + 1, info.loss),
    onEpoch: async (m) => {
      progress.stop();
      const conn = measureConnectivity(model);
      m.connectivity = conn.global;
      m.connectivityPerLayer = conn.perLayer;
      state.history.push(m);
      state.completedEpochs = m.epoch;
      state.step = trainer.step;
      state.trainSeconds += m.trainSeconds;
      await saveRun(out, model, optimizer, state);
      log(
        `epoch ${m.epoch}/${o.epochs}  train loss ${m.trainLoss.toFixed(5)}  train acc ${(100 * m.trainAccuracy).toFixed(2)}%  ` +
          `test acc ${(100 * (m.testAccuracy ?? Number.NaN)).toFixed(2)}%  connectivity ${conn.global.toFixed(4)}  ` +
          `${m.trainSeconds.toFixed(1)} s (${(m.trainSamples / m.trainSeconds).toFixed(0)} samples/s)`,
      );
    },
  });

  const last = state.history.at(-1);
  const conn = measureConnectivity(model);
  const samples = state.history.reduce((a, m) => a + m.trainSamples, 0);
  const summary: TrainSummary = {
    dataset: o.dataset,
    model: o.model,
    learner: o.learner,
    backend,
    epochs: state.completedEpochs,
    testAccuracy: last?.testAccuracy ?? null,
    testLoss: last?.testLoss ?? null,
    trainLoss: last?.trainLoss ?? null,
    connectivity: conn.global,
    connectivityPerLayer: conn.perLayer,
    trainSeconds: state.trainSeconds,
    samplesPerSecond: state.trainSeconds ? samples / state.trainSeconds : 0,
    checkpoint: out,
    history: state.history,
  };
  model.dispose();
  optimizer.dispose();
  return summary;
}

function restoreOptimizer(optimizer: Optimizer, data: CheckpointData): void {
  const meta = data.manifest.meta.optimizer as
    | { kind: string; config: Record<string, unknown>; step: number }
    | undefined;
  if (!meta) return;
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, t] of data.tensors)
    if (name.startsWith('optimizer/')) tensors[name.slice('optimizer/'.length)] = t;
  optimizer.setState({ ...meta, tensors });
}

async function saveRun(
  dir: string,
  model: SpikingModel,
  optimizer: Optimizer,
  state: RunState,
): Promise<void> {
  const tensors = modelTensors(model);
  const opt = optimizer.getState();
  for (const [k, t] of Object.entries(opt.tensors)) tensors.set(`optimizer/${k}`, t);
  await saveCheckpoint(dir, model.config, tensors, {
    run: state,
    optimizer: { kind: opt.kind, config: opt.config, step: opt.step },
    name: basename(dir),
  });
}
