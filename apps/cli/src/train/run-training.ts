import { resolve } from 'node:path';
import { batchCount, DATASET_NAMES, isDatasetName } from '@synaptogen/datasets/node';
import {
  Adam,
  createModel,
  MODEL_NAMES,
  type Optimizer,
  restoreModel,
  SGD,
  type SpikingModel,
  stepLr,
} from '@synaptogen/nn';
import { measureConnectivity, TrainingSession } from '@synaptogen/structure';
import type * as tf from '@tensorflow/tfjs-core';
import { startEngine } from '../engine/engine.js';
import { CliError } from '../errors.js';
import { CurveLog, defaultCurveEvery } from './curve.js';
import { measureFiringRates } from './firing-rates.js';
import { checkRunMemory, heapFailure, isHeapFailure, type MemoryContext } from './memory.js';
import type { TrainOptions } from './options.js';
import { EpochProgress } from './progress.js';
import { saveRun } from './run-checkpoint.js';
import { inputShapeOf, loadRunData, type RunData, testBatches, trainBatches } from './run-data.js';
import { createRunLearner, type RunLearner } from './run-learner.js';
import { type Resumed, type RunState, readResume, resumedOptions } from './run-state.js';
import { epochLine, recordLearnerReport, summarize, type TrainSummary } from './run-summary.js';

export type { TrainSummary } from './run-summary.js';

/** Thrown after Ctrl-C once the checkpoint of the unfinished epoch is saved. */
export class Interrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Interrupted';
  }
}

/**
 * `synaptogen train`: starts the engine, builds (or resumes) the model and its learner, trains with
 * BPTT and checkpoints after each epoch. Each step is a function of its own below.
 */
export async function runTraining(flags: TrainOptions, log: (line: string) => void): Promise<TrainSummary> {
  // the backend first: reading a checkpoint creates tensors
  const engine = await startEngine(flags);
  const resumed = flags.resume ? await readResume(flags.resume) : undefined;
  const o = resumed ? resumedOptions(resumed.state.options, flags) : flags;
  checkNames(o);
  const runLearner = await createRunLearner(o, Boolean(resumed));
  const out = resolve(o.out ?? `runs/${o.model}-${o.dataset}`);
  const data = await loadRunData(o);
  const model = resumed ? restoreModel(resumed.dir, resumed.data) : newModel(o, data);
  const perEpoch = batchCount(data.train, { batchSize: o.batchSize, limit: o.trainLimit });
  const memory: MemoryContext = {
    model: o.model,
    dataset: o.dataset,
    inputShape: model.config.inputShape,
    batchSize: o.batchSize,
    T: model.config.T,
  };
  const estimate =
    engine.backend === 'wasm' && flags.memoryCheck !== false
      ? await checkMemory(model, memory, o.evalBatchSize ?? o.batchSize)
      : null;
  const session = openSession(model, runLearner, o, perEpoch * o.epochs);
  const state: RunState = resumed
    ? { ...resumed.state, options: o, engine }
    : { options: o, completedEpochs: 0, step: 0, trainSeconds: 0, history: [], engine };
  if (resumed) restoreSession(session, resumed);
  session.trainer.step = state.step;
  let stopped: Awaited<ReturnType<typeof trainEpochs>>;
  try {
    stopped = await trainEpochs({ session, data, state, o, out, perEpoch, log, source: runLearner.source });
  } catch (e) {
    releaseAfterFailure(session);
    throw isHeapFailure(e) ? heapFailure(memory, estimate, e) : e;
  }
  const summary = summarize(state, model, session.learner, engine, out);
  session.dispose();
  if (stopped)
    throw new Interrupted(
      `interrupted in epoch ${stopped.epoch + 1} after ${stopped.batches} of ${perEpoch} batches; checkpoint saved to ${out}; ` +
        `continue with: synaptogen train --resume ${out} --epochs ${o.epochs}`,
    );
  return summary;
}

/** After a wasm abort the heap is unusable and freeing fails too: the first error is the one to report. */
function releaseAfterFailure(session: TrainingSession): void {
  try {
    session.dispose();
  } catch {
    // the process is about to exit with the original error
  }
}

function checkNames(o: TrainOptions): void {
  if (!MODEL_NAMES.includes(o.model))
    throw new CliError(`unknown model "${o.model}"; expected one of: ${MODEL_NAMES.join(', ')}`, 2);
  if (!isDatasetName(o.dataset))
    throw new CliError(`unknown dataset "${o.dataset}"; expected one of: ${DATASET_NAMES.join(', ')}`, 2);
}

/** The up-front heap check; the model is released when the run cannot fit. */
async function checkMemory(model: SpikingModel, ctx: MemoryContext, evalBatchSize: number): Promise<number> {
  try {
    return await checkRunMemory(model, ctx, evalBatchSize);
  } catch (e) {
    model.dispose();
    throw e;
  }
}

function newModel(o: TrainOptions, data: RunData): SpikingModel {
  return createModel(o.model, {
    T: o.timesteps,
    inputShape: inputShapeOf(data.train),
    classes: data.train.classes,
    seed: o.seed,
    width: o.width,
  });
}

function makeOptimizer(o: TrainOptions) {
  return (params: Map<string, tf.Variable>): Optimizer =>
    o.optimizer === 'sgd'
      ? new SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay })
      : new Adam(params, { lr: o.lr, weightDecay: o.weightDecay });
}

/** The model, its learner and the main optimizer, wired by structure's one host. */
function openSession(
  model: SpikingModel,
  r: RunLearner,
  o: TrainOptions,
  totalSteps: number,
): TrainingSession {
  try {
    return new TrainingSession({
      model,
      learner: r.learner,
      optimizer: makeOptimizer(o),
      lr: o.lr,
      seed: o.seed,
      totalSteps,
    });
  } catch (e) {
    model.dispose();
    // an infeasible core budget (too many neurons even without synapses) is known only with the model
    if (o.maxCores !== undefined && /budget/.test((e as Error).message))
      throw new CliError(`--max-cores ${o.maxCores}: ${(e as Error).message}`, 2);
    throw e;
  }
}

function restoreSession(session: TrainingSession, resumed: Resumed): void {
  try {
    session.restore(resumed.data, resumed.dir);
  } finally {
    for (const t of resumed.data.tensors.values()) t.dispose();
  }
}

/** Yields the batches of `source` after the first `n` (a run stopped mid-epoch continues where it was). */
async function* skipBatches<T>(source: AsyncIterable<T>, n: number): AsyncGenerator<T> {
  let i = 0;
  for await (const b of source) if (i++ >= n) yield b;
}

interface EpochLoop {
  session: TrainingSession;
  data: RunData;
  state: RunState;
  o: TrainOptions;
  out: string;
  perEpoch: number;
  log: (line: string) => void;
  source: string;
}

/**
 * Trains the remaining epochs, checkpointing after each. Ctrl-C finishes the running step, saves a
 * checkpoint of the unfinished epoch and returns where it stopped (a second Ctrl-C kills).
 */
async function trainEpochs(loop: EpochLoop): Promise<{ epoch: number; batches: number } | null> {
  const { session, data, state, o, out, perEpoch, log } = loop;
  const { trainer, learner, model } = session;
  const progress = new EpochProgress(!o.quiet && Boolean(process.stderr.isTTY));
  state.curveEvery ??= o.curveEvery ?? defaultCurveEvery(perEpoch);
  state.curve ??= [];
  const curve = new CurveLog(state.curveEvery, perEpoch, state.curve);
  const start = state.completedEpochs;
  if (start >= o.epochs)
    log(`checkpoint ${out} already has ${start} epochs; nothing to train (raise --epochs)`);
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
      (Object.keys(learner.options).length ? ` ${JSON.stringify(learner.options)}` : ''),
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
        const source = trainBatches(data, o, epoch);
        return skip ? skipBatches(source, skip) : source;
      },
      test: () => testBatches(data, o),
      schedule: o.lrStep ? stepLr(o.lr, o.lrStep, o.lrGamma) : undefined,
      onBatch: (info) => {
        batchesDone++;
        // connectivity costs a pass over the weights: refresh it every 25 batches, only for the bar
        const conn =
          progress.active && (batchesDone === 1 || batchesDone % 25 === 0)
            ? measureConnectivity(model.prunableWeights()).connectivity
            : undefined;
        progress.update(batchesDone, info.loss, info.samples ? info.correct / info.samples : 0, conn);
        curve.record(info, batchesDone, model);
        if (o.logEvery && batchesDone % o.logEvery === 0)
          log(`epoch ${info.epoch + 1} batch ${batchesDone}/${perEpoch} loss ${info.loss.toFixed(5)}`);
      },
      onEpoch: async (m) => {
        progress.stop();
        if (state.interrupted?.epoch === m.epoch - 1) m.resumedAfterBatches = state.interrupted.batches;
        recordLearnerReport(m, learner.report());
        m.firingRates = await measureFiringRates(model, testBatches(data, o));
        state.history.push(m);
        state.completedEpochs = m.epoch;
        state.step = trainer.step;
        state.trainSeconds += m.trainSeconds;
        state.interrupted = undefined;
        await saveRun(out, session, loop.source, state);
        log(epochLine(m, o.epochs));
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    progress.stop();
  }
  if (!stop.signal.aborted || state.completedEpochs >= o.epochs) return null;
  state.interrupted = { epoch: currentEpoch, batches: batchesDone };
  state.step = trainer.step;
  await saveRun(out, session, loop.source, state);
  return state.interrupted;
}
