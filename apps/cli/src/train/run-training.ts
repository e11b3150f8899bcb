import { basename, isAbsolute, resolve } from 'node:path';
import {
  batchCount,
  batches,
  DATASET_NAMES,
  type ImageDataset,
  isDatasetName,
  loadDataset,
} from '@synaptogen/datasets/node';
import { type Chip, coreBudget } from '@synaptogen/hardware';
import { loadChip } from '@synaptogen/hardware/node';
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
import { measureConnectivity } from '@synaptogen/structure';
import { type LearnerReport, loadLearner, type StructureLearner } from '@synaptogen/structure/node';
import * as tf from '@tensorflow/tfjs-core';
import { CliError } from '../errors.js';
import { learnerOptions, type TrainOptions } from './options.js';
import { EpochProgress } from './progress.js';

/** Thrown after Ctrl-C once the checkpoint of the unfinished epoch is saved. */
export class Interrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Interrupted';
  }
}

export interface TrainSummary {
  dataset: string;
  model: string;
  learner: string;
  backend: string;
  epochs: number;
  testAccuracy: number | null;
  testLoss: number | null;
  trainLoss: number | null;
  learnerOptions: Record<string, unknown>;
  /** Measured on the final weights (|w| ≥ 1e-10), globally and per prunable layer. */
  connectivity: number;
  connectivityPerLayer: Record<string, number>;
  /** Connections pruned / regrown over all epochs, as the learner reported them. */
  pruned: number;
  regrown: number;
  /** Extra fields of the learner's last report (SCA: channelsKept, channels per layer...). */
  learnerReport: Record<string, unknown>;
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
  /** Set when Ctrl-C stopped an epoch: the batches of that epoch already trained (skipped on resume). */
  interrupted?: { epoch: number; batches: number };
}

/** Layer name → fraction of its synapses present, as the epoch lines and the JSON summary show it. */
function perLayerConnectivity(report: LearnerReport): Record<string, number> {
  return Object.fromEntries(Object.entries(report.perLayer).map(([k, v]) => [k, v.connectivity]));
}

const REPORT_KEYS = new Set(['connectivity', 'perLayer', 'pruned', 'regrown']);

/** The fields of a learner's report beyond the contract's four. */
function reportExtras(r: LearnerReport): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).filter(([k]) => !REPORT_KEYS.has(k)));
}

const formatValue = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : JSON.stringify(v);

const looksLikePath = (s: string) =>
  s.startsWith('.') || isAbsolute(s) || /\.(c|m)?js$/.test(s) || s.startsWith('file:');

/** Yields the batches of `source` after the first `n` (a run stopped mid-epoch continues where it was). */
async function* skipBatches<T>(source: AsyncIterable<T>, n: number): AsyncGenerator<T> {
  let i = 0;
  for await (const b of source) if (i++ >= n) yield b;
}

function imageShape(ds: ImageDataset): number[] {
  return ds.timesteps ? [ds.timesteps, ds.channels, ds.height, ds.width] : [ds.channels, ds.height, ds.width];
}

function makeOptimizer(model: SpikingModel, o: TrainOptions, owned: ReadonlySet<string>): Optimizer {
  const params = new Map(model.namedParameters().filter(([n, v]) => v.trainable && !owned.has(n)));
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
        logEvery: flags.logEvery,
        out: flags.out ?? flags.resume,
        resume: flags.resume,
        backend: flags.backend,
      }
    : flags;
  if (!MODEL_NAMES.includes(o.model))
    throw new CliError(`unknown model "${o.model}"; expected one of: ${MODEL_NAMES.join(', ')}`, 2);
  if (!isDatasetName(o.dataset))
    throw new CliError(`unknown dataset "${o.dataset}"; expected one of: ${DATASET_NAMES.join(', ')}`, 2);
  // a plugin file is stored absolute, so that --resume finds it from any directory
  if (!resumed && looksLikePath(o.learner) && !o.learner.startsWith('file:')) o.learner = resolve(o.learner);
  let loaded: Awaited<ReturnType<typeof loadLearner>>;
  try {
    loaded = await loadLearner(o.learner);
  } catch (e) {
    throw new CliError(`--learner: ${(e as Error).message}`, 2);
  }
  const lOptions = learnerOptions(o);
  if (o.chip !== undefined && o.maxCores === undefined)
    throw new CliError('--chip sets the chip of a core budget: give --max-cores too', 2);
  if (o.maxCores !== undefined) lOptions.budget = await budgetOf(o.chip ?? 'loihi', o.maxCores);
  let learner: StructureLearner;
  try {
    learner = loaded.create(lOptions);
  } catch (e) {
    const message = (e as Error).message;
    if (o.maxCores !== undefined && /unknown option.*"budget"/.test(message))
      throw new CliError(
        `--max-cores: learner "${o.learner}" takes no core budget (${message}); use --learner magnitude or deepr`,
        2,
      );
    throw new CliError(`--learner ${o.learner}: ${message}`, 2);
  }
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
  const perEpoch = batchCount(trainSet, { batchSize: o.batchSize, limit: o.trainLimit });
  try {
    learner.attach(model, { tf, lr: o.lr, seed: o.seed, totalSteps: perEpoch * o.epochs });
  } catch (e) {
    // an infeasible core budget (too many neurons even without synapses) is known only with the model
    if (o.maxCores !== undefined && /budget/.test((e as Error).message))
      throw new CliError(`--max-cores ${o.maxCores}: ${(e as Error).message}`, 2);
    throw e;
  }
  const optimizer = makeOptimizer(model, o, learner.ownedParameters?.() ?? new Set());
  learner.setOptimizer?.(optimizer);
  if (resumed) {
    restoreOptimizer(optimizer, resumed.data);
    restoreLearner(flags.resume!, learner, resumed.data);
  }
  const trainer = new Trainer({ model, optimizer, hooks: [learner] });
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
  const progress = new EpochProgress(!o.quiet && Boolean(process.stderr.isTTY));
  const start = state.completedEpochs;
  if (start >= o.epochs)
    log(`checkpoint ${out} already has ${start} epochs; nothing to train (raise --epochs)`);

  // Ctrl-C: finish the running step, save a checkpoint of the unfinished epoch, exit (a second Ctrl-C kills)
  const stop = new AbortController();
  const onSigint = () => {
    progress.stop();
    log('Ctrl-C: stopping after this step and saving a checkpoint (press again to quit at once)');
    stop.abort();
  };
  process.once('SIGINT', onSigint);
  let currentEpoch = start;
  let batchesDone = 0;
  log(
    `training ${o.model} on ${o.dataset} (${perEpoch} batches per epoch) with learner ${learner.name}` +
      (Object.keys(lOptions).length ? ` ${JSON.stringify(learner.options)}` : ''),
  );
  try {
    await trainer.fit({
      epochs: o.epochs,
      startEpoch: start,
      signal: stop.signal,
      train: (epoch) => {
        currentEpoch = epoch;
        const skip = state.interrupted?.epoch === epoch ? state.interrupted.batches : 0;
        batchesDone = skip;
        progress.start(epoch + 1, o.epochs, perEpoch);
        const source = batches(trainSet, batchOptions(epoch));
        return skip ? skipBatches(source, skip) : source;
      },
      test: () =>
        batches(testSet, {
          batchSize: 1000,
          shuffle: false,
          limit: o.testLimit,
          normalize: trainSet.channels === 3 && isImage,
        }),
      schedule: o.lrStep ? stepLr(o.lr, o.lrStep, o.lrGamma) : undefined,
      onBatch: (info) => {
        batchesDone++;
        // connectivity costs a pass over the weights: refresh it every 25 batches, only for the bar
        const conn =
          progress.active && (batchesDone === 1 || batchesDone % 25 === 0)
            ? measureConnectivity(model.prunableWeights()).connectivity
            : undefined;
        progress.update(batchesDone, info.loss, info.samples ? info.correct / info.samples : 0, conn);
        if (o.logEvery && batchesDone % o.logEvery === 0)
          log(`epoch ${info.epoch + 1} batch ${batchesDone}/${perEpoch} loss ${info.loss.toFixed(5)}`);
      },
      onEpoch: async (m) => {
        progress.stop();
        const r = learner.report();
        const extras = reportExtras(r);
        if (state.interrupted?.epoch === m.epoch - 1) m.resumedAfterBatches = state.interrupted.batches;
        m.connectivity = r.connectivity;
        m.connectivityPerLayer = perLayerConnectivity(r);
        m.pruned = r.pruned;
        m.regrown = r.regrown;
        for (const [k, v] of Object.entries(extras)) if (!(k in m)) m[k] = v;
        state.history.push(m);
        state.completedEpochs = m.epoch;
        state.step = trainer.step;
        state.trainSeconds += m.trainSeconds;
        state.interrupted = undefined;
        await saveRun(out, model, optimizer, learner, loaded.source, state);
        const perLayer = Object.entries(m.connectivityPerLayer as Record<string, number>)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join(', ');
        log(
          `epoch ${m.epoch}/${o.epochs}  train loss ${m.trainLoss.toFixed(5)}  train acc ${(100 * m.trainAccuracy).toFixed(2)}%  ` +
            `test acc ${(100 * (m.testAccuracy ?? Number.NaN)).toFixed(2)}%  connectivity ${r.connectivity.toFixed(4)} (${perLayer})  ` +
            `pruned ${r.pruned} regrown ${r.regrown}  ` +
            Object.entries(extras)
              .map(([k, v]) => `${k} ${formatValue(v)}  `)
              .join('') +
            `${m.trainSeconds.toFixed(1)} s (${(m.trainSamples / m.trainSeconds).toFixed(0)} samples/s)`,
        );
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    progress.stop();
  }

  if (stop.signal.aborted && state.completedEpochs < o.epochs) {
    state.interrupted = { epoch: currentEpoch, batches: batchesDone };
    state.step = trainer.step;
    await saveRun(out, model, optimizer, learner, loaded.source, state);
    learner.dispose();
    model.dispose();
    optimizer.dispose();
    throw new Interrupted(
      `interrupted in epoch ${currentEpoch + 1} after ${batchesDone} of ${perEpoch} batches; checkpoint saved to ${out}; ` +
        `continue with: synaptogen train --resume ${out} --epochs ${o.epochs}`,
    );
  }

  const last = state.history.at(-1);
  const conn = measureConnectivity(model.prunableWeights());
  const samples = state.history.reduce((a, m) => a + m.trainSamples, 0);
  const summary: TrainSummary = {
    dataset: o.dataset,
    model: o.model,
    learner: learner.name,
    learnerOptions: { ...learner.options },
    backend,
    epochs: state.completedEpochs,
    testAccuracy: last?.testAccuracy ?? null,
    testLoss: last?.testLoss ?? null,
    trainLoss: last?.trainLoss ?? null,
    connectivity: conn.connectivity,
    connectivityPerLayer: perLayerConnectivity(conn),
    pruned: state.history.reduce((a, m) => a + Number(m.pruned ?? 0), 0),
    regrown: state.history.reduce((a, m) => a + Number(m.regrown ?? 0), 0),
    learnerReport: lastExtras(state.history),
    trainSeconds: state.trainSeconds,
    samplesPerSecond: state.trainSeconds ? samples / state.trainSeconds : 0,
    checkpoint: out,
    history: state.history,
  };
  learner.dispose();
  model.dispose();
  optimizer.dispose();
  return summary;
}

/** `--chip`/`--max-cores`: a core budget a structure learner prunes towards. */
async function budgetOf(chipName: string, maxCores: number) {
  let chip: Chip;
  try {
    chip = await loadChip(chipName);
  } catch (e) {
    throw new CliError(`--chip: ${(e as Error).message}`, 2);
  }
  return coreBudget(chip, { maxCores });
}

/** Extra report fields of the last epoch (whatever is not a standard metric). */
function lastExtras(history: EpochMetrics[]): Record<string, unknown> {
  const last = history.at(-1);
  if (!last) return {};
  const standard = new Set([
    'epoch',
    'lr',
    'trainLoss',
    'trainAccuracy',
    'trainSamples',
    'trainSeconds',
    'testLoss',
    'testAccuracy',
    'testSamples',
    'connectivity',
    'connectivityPerLayer',
    'pruned',
    'regrown',
    'resumedAfterBatches',
  ]);
  return Object.fromEntries(Object.entries(last).filter(([k]) => !standard.has(k)));
}

/** Gives the learner its saved state (`learner/<key>` tensors and `meta.learner.state`). */
function restoreLearner(path: string, learner: StructureLearner, data: CheckpointData): void {
  const meta = data.manifest.meta.learner as { name?: string; state?: Record<string, unknown> } | undefined;
  if (!meta) {
    // checkpoints written before structure learners existed are dense runs
    if (learner.name === 'dense') return;
    throw new CliError(`checkpoint ${path}: has no learner state (meta.learner is missing)`);
  }
  if (meta.name !== learner.name)
    throw new CliError(`checkpoint ${path}: was trained with learner "${meta.name}", not "${learner.name}"`);
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, t] of data.tensors) if (name.startsWith('learner/')) tensors.set(name.slice(8), t);
  learner.setState({ json: meta.state ?? {}, tensors });
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
  learner: StructureLearner,
  learnerSource: string,
  state: RunState,
): Promise<void> {
  const tensors = modelTensors(model);
  const opt = optimizer.getState();
  for (const [k, t] of Object.entries(opt.tensors)) tensors.set(`optimizer/${k}`, t);
  const ls = learner.getState();
  for (const [k, t] of ls.tensors) tensors.set(`learner/${k}`, t);
  await saveCheckpoint(dir, model.config, tensors, {
    run: state,
    optimizer: { kind: opt.kind, config: opt.config, step: opt.step },
    learner: { name: learner.name, source: learnerSource, options: learner.options, state: ls.json },
    name: basename(dir),
  });
}
