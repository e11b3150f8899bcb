import { constants } from 'node:os';
import { batchCount, DATASET_NAMES, isDatasetName } from '@synaptogen/datasets/node';
import {
  Adam,
  createModel,
  DivergenceError,
  MODEL_NAMES,
  restoreModel,
  SGD,
  type SpikingModel,
  stepLr,
} from '@synaptogen/nn';
import type { Optimizer } from '@synaptogen/nn/optim';
import { wasmHeapBytes } from '@synaptogen/nn/train';
import { measureConnectivity, TrainingSession } from '@synaptogen/structure';
import type * as tf from '@tensorflow/tfjs-core';
import { startEngine } from '../engine/engine.js';
import { CliError } from '../errors.js';
import { CurveLog, defaultCurveEvery } from './curve.js';
import { measureFiringRates } from './firing-rates.js';
import { checkRunMemory, heapFailure, isHeapFailure, type MemoryContext, type RunMemory } from './memory.js';
import type { TrainOptions } from './options.js';
import { EpochProgress } from './progress.js';
import { saveRun } from './run-checkpoint.js';
import { inputShapeOf, loadRunData, type RunData, testBatches, trainBatches } from './run-data.js';
import { createRunLearner, type RunLearner } from './run-learner.js';
import { prepareOutput, releaseOutput } from './run-output.js';
import { StopOnSignals, type StopSignal } from './run-signals.js';
import { carriedTotals, type Resumed, type RunState, readResume, resumedOptions } from './run-state.js';
import { epochLine, recordLearnerReport, summarize, type TrainSummary } from './run-summary.js';

export type { TrainSummary } from './run-summary.js';

/** Thrown after Ctrl-C, SIGTERM or SIGHUP once the checkpoint of the unfinished epoch is saved. */
export class Interrupted extends Error {
  constructor(
    message: string,
    /** 128 + the signal's number, as a shell reports a process stopped by it (130, 143, 129). */
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'Interrupted';
  }
}

/** Exit code of a run stopped by divergence (1: bad input, 2: bad arguments, 130/143/129: signals). */
export const DIVERGED_EXIT_CODE = 3;

/**
 * `synaptogen train`: starts the engine, builds (or resumes) the model and its learner, trains with
 * BPTT and checkpoints after each epoch. Each step is a function of its own below.
 */
export async function runTraining(
  flags: TrainOptions,
  log: (line: string) => void,
  warn: (line: string) => void = log,
): Promise<TrainSummary> {
  // the backend first: reading a checkpoint creates tensors
  const engine = await startEngine(flags);
  const resumed = flags.resume ? await readResume(flags.resume) : undefined;
  const o = resumed ? resumedOptions(resumed.state.options, flags) : flags;
  // a resumed model is rebuilt from its checkpoint (zoo, registered or stored as layers): no name check
  checkNames(o, Boolean(resumed));
  const runLearner = await createRunLearner(o, Boolean(resumed));
  const output = await prepareOutput(o);
  const out = output.dir;
  let session: TrainingSession | undefined;
  let loop: EpochLoop | undefined;
  let memory: MemoryContext | undefined;
  let estimate: { train: number; eval: number } | null = null;
  let heapFailed = false;
  try {
    const data = await loadRunData(o, log);
    const model = resumed ? restoreModel(resumed.dir, resumed.data) : newModel(o, data);
    const perEpoch = batchCount(data.train, { batchSize: o.batchSize, limit: o.trainLimit });
    memory = {
      model: o.model,
      dataset: o.dataset,
      inputShape: model.config.inputShape,
      batchSize: o.batchSize,
      T: model.config.T,
    };
    if (engine.backend === 'wasm' && flags.memoryCheck !== false)
      estimate = await checkMemory(model, memory, o.evalBatchSize ?? o.batchSize);
    session = openSession(model, runLearner, o, perEpoch * o.epochs, warn);
    const state: RunState = resumed
      ? { ...resumed.state, options: o, engine }
      : { options: o, completedEpochs: 0, step: 0, trainSeconds: 0, history: [], engine };
    if (resumed) restoreSession(session, resumed);
    session.trainer.step = state.step;
    loop = { session, data, state, o, out, perEpoch, log, source: runLearner.source };
    const stopped = await trainEpochs(loop);
    if (stopped) {
      const { epoch, batches, signal } = stopped;
      throw new Interrupted(
        `${signal === 'SIGINT' ? 'interrupted' : `stopped by ${signal}`} in epoch ${epoch + 1} after ${batches} of ${perEpoch} batches; ` +
          `checkpoint saved to ${out}; continue with: synaptogen train --resume ${out} --epochs ${o.epochs}`,
        128 + constants.signals[signal],
      );
    }
    const heap: RunMemory = {
      estimatedStepBytes: estimate?.train ?? null,
      estimatedEvalBytes: estimate?.eval ?? null,
      wasmHeapBytes: wasmHeapBytes(),
    };
    return summarize(state, model, session.learner, engine, out, heap);
  } catch (e) {
    if (e instanceof DivergenceError) throw divergedError(e, o, loop, resumed?.dir);
    if (memory && isHeapFailure(e)) {
      heapFailed = true;
      throw heapFailure(memory, estimate?.train ?? null, e);
    }
    throw e;
  } finally {
    if (heapFailed) releaseAfterFailure(session);
    else session?.dispose();
    await releaseOutput(output);
  }
}

/** After a wasm abort the heap is unusable and freeing fails too: the first error is the one to report. */
function releaseAfterFailure(session: TrainingSession | undefined): void {
  try {
    session?.dispose();
  } catch {
    // the process is about to exit with the original error
  }
}

/** The one line a diverged run ends with: where, what, and which checkpoint is the last good one. */
function divergedError(
  e: DivergenceError,
  o: TrainOptions,
  loop?: EpochLoop,
  resumedFrom?: string,
): CliError {
  const state = loop?.state;
  const kept =
    loop?.saved && state
      ? `the last good checkpoint is kept in ${loop.out} (${state.completedEpochs} epoch(s) completed${state.interrupted ? `, ${state.interrupted.batches} batches of epoch ${state.interrupted.epoch + 1}` : ''})`
      : resumedFrom
        ? `the checkpoint it resumed from, ${resumedFrom}, is unchanged`
        : 'no checkpoint was written (it diverged before the first save)';
  return new CliError(
    `${e.message}; stopped without saving: ${kept}; try a lower --lr (it is ${o.lr})`,
    DIVERGED_EXIT_CODE,
  );
}

function checkNames(o: TrainOptions, resumed: boolean): void {
  if (!resumed && !MODEL_NAMES.includes(o.model))
    throw new CliError(`unknown model "${o.model}"; expected one of: ${MODEL_NAMES.join(', ')}`, 2);
  if (!isDatasetName(o.dataset))
    throw new CliError(`unknown dataset "${o.dataset}"; expected one of: ${DATASET_NAMES.join(', ')}`, 2);
}

/** The up-front heap check; the model is released when the run cannot fit. */
async function checkMemory(
  model: SpikingModel,
  ctx: MemoryContext,
  evalBatchSize: number,
): Promise<{ train: number; eval: number }> {
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
      ? new SGD(params, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay, l1: o.l1 })
      : new Adam(params, { lr: o.lr, weightDecay: o.weightDecay, l1: o.l1 });
}

/** The model, its learner and the main optimizer, wired by structure's one host. */
function openSession(
  model: SpikingModel,
  r: RunLearner,
  o: TrainOptions,
  totalSteps: number,
  warn: (line: string) => void,
): TrainingSession {
  try {
    return new TrainingSession({
      model,
      learner: r.learner,
      optimizer: makeOptimizer(o),
      lr: o.lr,
      seed: o.seed,
      totalSteps,
      divergence: { warnAbove: o.warnWeightsAbove, onWarning: (w) => warn(`warning: ${w.message}`) },
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
  /** Set once this run has saved a checkpoint into `out`. */
  saved?: boolean;
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
 * Trains the remaining epochs, checkpointing after each. Ctrl-C, SIGTERM or SIGHUP finishes the
 * running step, saves a checkpoint of the unfinished epoch (with its running sums) and returns where
 * it stopped; a second signal kills at once.
 */
async function trainEpochs(
  loop: EpochLoop,
): Promise<{ epoch: number; batches: number; signal: StopSignal } | null> {
  const { session, data, state, o, out, perEpoch, log } = loop;
  const { trainer, learner, model } = session;
  const progress = new EpochProgress(!o.quiet && Boolean(process.stderr.isTTY));
  state.curveEvery ??= o.curveEvery ?? defaultCurveEvery(perEpoch);
  state.curve ??= [];
  const curve = new CurveLog(state.curveEvery, perEpoch, state.curve);
  const start = state.completedEpochs;
  if (start >= o.epochs)
    log(`checkpoint ${out} already has ${start} epochs; nothing to train (raise --epochs)`);
  const stop = new StopOnSignals((signal) => {
    progress.stop();
    log(
      `${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping after this step and saving a checkpoint (a second signal quits at once)`,
    );
  });
  const carry = carriedTotals(state.interrupted);
  let currentEpoch = start;
  let epochStart = performance.now();
  // running sums of the current epoch, saved with an interrupted epoch
  let totals = { lossSum: 0, correct: 0, samples: 0, batches: 0 };
  // batches skipped that the trainer does not count (checkpoints from before the sums were stored)
  let uncounted = 0;
  log(
    `training ${o.model} on ${o.dataset} (${perEpoch} batches per epoch) with learner ${learner.name}` +
      (Object.keys(learner.options).length ? ` ${JSON.stringify(learner.options)}` : '') +
      `; checkpoints go to ${out}`,
  );
  try {
    await trainer.fit({
      epochs: o.epochs,
      startEpoch: start,
      signal: stop.signal,
      carry,
      train: (epoch) => {
        currentEpoch = epoch;
        const skip = state.interrupted?.epoch === epoch ? state.interrupted.batches : 0;
        const resumedHere = epoch === start && carry;
        totals = resumedHere ? { ...carry } : { lossSum: 0, correct: 0, samples: 0, batches: skip };
        uncounted = resumedHere ? 0 : skip;
        epochStart = performance.now() - 1000 * (resumedHere ? carry.seconds : 0);
        progress.start(epoch + 1, o.epochs, perEpoch);
        const source = trainBatches(data, o, epoch);
        return skip ? skipBatches(source, skip) : source;
      },
      test: () => testBatches(data, o),
      recalibrate: o.recalibrateBn
        ? {
            batches: o.recalibrateBn,
            every: o.recalibrateBnEvery,
            source: (epoch) => trainBatches(data, o, epoch),
          }
        : undefined,
      schedule: o.lrStep ? stepLr(o.lr, o.lrStep, o.lrGamma) : undefined,
      onBatch: (info) => {
        totals = {
          lossSum: info.lossSum,
          correct: info.correct,
          samples: info.samples,
          batches: uncounted + info.batchIndex + 1,
        };
        const done = totals.batches;
        // connectivity costs a pass over the weights: refresh it every 25 batches, only for the bar
        const conn =
          progress.active && (done === 1 || done % 25 === 0)
            ? measureConnectivity(model.prunableWeights()).connectivity
            : undefined;
        progress.update(done, info.loss, info.samples ? info.correct / info.samples : 0, conn);
        curve.record(info, done, model);
        if (o.logEvery && done % o.logEvery === 0)
          log(`epoch ${info.epoch + 1} batch ${done}/${perEpoch} loss ${info.loss.toFixed(5)}`);
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
        loop.saved = true;
        log(epochLine(m, o.epochs));
      },
    });
  } finally {
    stop.dispose();
    progress.stop();
  }
  if (!stop.stopped || state.completedEpochs >= o.epochs) return null;
  const seconds = (performance.now() - epochStart) / 1000;
  state.interrupted = { epoch: currentEpoch, ...totals, seconds };
  state.step = trainer.step;
  await saveRun(out, session, loop.source, state);
  return { epoch: currentEpoch, batches: totals.batches, signal: stop.received };
}
