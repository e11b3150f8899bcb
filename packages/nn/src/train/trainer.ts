import * as tf from '@tensorflow/tfjs-core';
import type { SpikingModel } from '../models/spiking-model.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LrSchedule } from '../optim/schedule.js';
import { DivergenceGuard, type DivergenceOptions } from './divergence.js';
import { type LossFn, lossByName } from './loss.js';
import { recalibrateBatchNorm } from './recalibrate.js';

/** One batch as typed arrays (what `@synaptogen/datasets` yields): inputs `[N, ...sample]`, labels `[N]`. */
export interface Batch {
  inputs: Float32Array;
  shape: readonly number[];
  labels: ArrayLike<number>;
}

export type BatchSource = (epoch: number) => AsyncIterable<Batch> | Iterable<Batch>;

export interface StepInfo {
  epoch: number;
  /** Optimizer steps taken so far, this one included. */
  step: number;
  batchIndex: number;
  loss: number;
  lr: number;
}

export interface EpochInfo {
  epoch: number;
  step: number;
  metrics: EpochMetrics;
}

/**
 * Extension points for structure learners and monitors. A hook may take over the update of some
 * parameters (`ownedParameters`, updated in `applyGradients`): the optimizer must not hold those.
 */
export interface TrainingHooks {
  ownedParameters?(): ReadonlySet<string>;
  applyGradients?(grads: ReadonlyMap<string, tf.Tensor>, info: StepInfo): void;
  afterStep?(info: StepInfo): void;
  endEpoch?(info: EpochInfo): void | Promise<void>;
  /**
   * True right after an `endEpoch` that changed the network's structure (channels masked or
   * restored): the trainer then recounts the BatchNorm statistics when `fit` was given `recalibrate`.
   */
  structureChanged?(): boolean;
}

export interface EpochMetrics {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  trainSamples: number;
  trainSeconds: number;
  testLoss?: number;
  testAccuracy?: number;
  testSamples?: number;
  /** Anything hooks add (connectivity, channels kept...). */
  [key: string]: unknown;
}

export interface TrainerOptions {
  model: SpikingModel;
  optimizer: Optimizer;
  /** Default: the model's reference loss. */
  loss?: LossFn | string;
  hooks?: TrainingHooks[];
  /**
   * Divergence detection after every step (on by default; `false` turns it off): a non-finite loss,
   * or NaN/±Infinity in the checked tensors, throws a DivergenceError naming the step and the first
   * layer affected; `warnAbove` adds a one-time warning when weights grow past it.
   */
  divergence?: DivergenceOptions | false;
}

/** Running sums of an epoch (what its metrics are computed from), carried across a resume. */
export interface EpochTotals {
  /** Σ loss × samples over the batches trained. */
  lossSum: number;
  correct: number;
  samples: number;
  /** Training time of those batches. */
  seconds: number;
  /** How many batches they were (the epoch's next batch index). */
  batches: number;
}

export interface EpochOptions {
  /** After each step; `samples`, `correct` and `lossSum` are running totals of the epoch so far. */
  onBatch?: (info: StepInfo & { samples: number; correct: number; lossSum: number }) => void;
  /** Totals of the same epoch's batches trained before an interruption: the metrics cover the whole epoch. */
  carry?: EpochTotals;
  /** Stops between two steps; the epoch ends early and reports what it did. */
  signal?: AbortSignal;
}

export interface FitOptions extends EpochOptions {
  train: BatchSource;
  test?: BatchSource;
  epochs: number;
  /** First epoch to run (resume), default 0; `carry` applies to it alone. */
  startEpoch?: number;
  schedule?: LrSchedule;
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>;
  /**
   * Recount the BatchNorm running statistics on this many batches of `source(epoch)` (training data)
   * before evaluating (see `recalibrateBatchNorm`): after an epoch whose hooks changed the structure
   * (`every: 'structure-change'`, the default), or after every epoch (`'epoch'`: the momentum-0.1
   * running means lag weights that move fast, and an SNN's thresholds amplify the lag; held-out
   * accuracy of one N-MNIST run fell from 88% to 32% in one epoch; its checkpoint scored 30% on its own
   * training recordings in evaluation mode, 89% once recounted).
   */
  recalibrate?: { batches: number; source: BatchSource; every?: RecalibrateEvery };
}

/** When `fit` recounts the BatchNorm statistics (see `FitOptions.recalibrate`). */
export type RecalibrateEvery = 'structure-change' | 'epoch';

/** Backpropagation through time over whole batches: forward all T steps, one backward, one update. */
export class Trainer {
  readonly model: SpikingModel;
  readonly optimizer: Optimizer;
  readonly loss: LossFn;
  readonly hooks: TrainingHooks[];
  /** Optimizer steps taken (persisted in checkpoints). */
  step = 0;
  private readonly trainable: [string, tf.Variable][];
  private readonly guard: DivergenceGuard | null;

  constructor(options: TrainerOptions) {
    this.model = options.model;
    this.optimizer = options.optimizer;
    this.loss =
      typeof options.loss === 'function'
        ? options.loss
        : lossByName(options.loss ?? options.model.config.loss);
    this.hooks = options.hooks ?? [];
    this.trainable = this.model.namedParameters().filter(([, v]) => v.trainable);
    const d = options.divergence;
    this.guard =
      d === false
        ? null
        : new DivergenceGuard(
            this.model.stateTensors().map(([n]) => n),
            d?.tensors ?? (() => [...this.model.stateTensors(), ...this.optimizer.divergenceTensors()]),
            () => this.model.namedParameters(),
            d ?? {},
          );
    const owned = new Set(this.hooks.flatMap((h) => [...(h.ownedParameters?.() ?? [])]));
    for (const name of this.optimizer.params.keys()) {
      if (owned.has(name))
        throw new Error(
          `parameter "${name}" is owned by a structure learner and must not be in the optimizer`,
        );
    }
  }

  /** One optimizer step on a batch; returns its loss and the number of correct predictions. */
  trainStep(batch: Batch, info: { epoch: number; batchIndex: number } = { epoch: 0, batchIndex: 0 }) {
    const model = this.model;
    model.train(true);
    const classes = model.config.classes;
    const names = this.trainable.map(([n]) => n);
    const vars = this.trainable.map(([, v]) => v);
    let correctT: tf.Tensor | null = null;
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor(batch.inputs, [...batch.shape], 'float32');
      const y = tf.tensor1d(Int32Array.from(batch.labels), 'int32');
      return tf.variableGrads(() => {
        const out = model.forward(x, { training: true });
        correctT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), y), 'int32')));
        return this.loss(out, y, classes);
      }, vars);
    });
    const byName = new Map<string, tf.Tensor>();
    names.forEach((n, i) => {
      const g = grads[vars[i].name];
      if (g) byName.set(n, g);
    });
    this.step++;
    const loss = value.dataSync()[0];
    const stepInfo: StepInfo = {
      epoch: info.epoch,
      step: this.step,
      batchIndex: info.batchIndex,
      loss,
      lr: this.optimizer.lr,
    };
    let correct = 0;
    try {
      // a non-finite loss stops the run before its gradients reach the weights
      this.guard?.checkLoss(loss, stepInfo);
      for (const h of this.hooks) h.applyGradients?.(byName, stepInfo);
      this.optimizer.apply(byName);
      for (const h of this.hooks) h.afterStep?.(stepInfo);
      this.guard?.checkState(stepInfo);
      correct = (correctT as tf.Tensor | null)?.dataSync()[0] ?? 0;
    } finally {
      tf.dispose([value, correctT as tf.Tensor | null].filter((t): t is tf.Tensor => t !== null));
      tf.dispose(Object.values(grads));
    }
    return { loss, correct, info: stepInfo };
  }

  async trainEpoch(
    source: AsyncIterable<Batch> | Iterable<Batch>,
    epoch: number,
    options: EpochOptions = {},
  ) {
    const carry = options.carry;
    const start = performance.now() - 1000 * (carry?.seconds ?? 0);
    let lossSum = carry?.lossSum ?? 0;
    let correct = carry?.correct ?? 0;
    let samples = carry?.samples ?? 0;
    let batchIndex = carry?.batches ?? 0;
    for await (const batch of source) {
      if (options.signal?.aborted) break;
      const n = batch.labels.length; // shape[0] is T for time-major event frames
      const r = this.trainStep(batch, { epoch, batchIndex });
      lossSum += r.loss * n;
      correct += r.correct;
      samples += n;
      batchIndex++;
      options.onBatch?.({ ...r.info, samples, correct, lossSum });
    }
    return {
      trainLoss: samples ? lossSum / samples : Number.NaN,
      trainAccuracy: samples ? correct / samples : Number.NaN,
      trainSamples: samples,
      trainSeconds: (performance.now() - start) / 1000,
      completed: !options.signal?.aborted,
    };
  }

  /** Accuracy (argmax of the output; ties go to the lowest index) and mean loss in evaluation mode. */
  async evaluate(source: AsyncIterable<Batch> | Iterable<Batch>) {
    const model = this.model;
    const classes = model.config.classes;
    let lossSum = 0;
    let correct = 0;
    let samples = 0;
    const wasTraining = model.training;
    model.eval();
    try {
      for await (const batch of source) {
        const n = batch.labels.length;
        const [l, c] = tf.tidy(() => {
          const x = tf.tensor(batch.inputs, [...batch.shape], 'float32');
          const y = tf.tensor1d(Int32Array.from(batch.labels), 'int32');
          const out = model.forward(x, { training: false });
          return [this.loss(out, y, classes), tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), y), 'int32'))];
        });
        lossSum += l.dataSync()[0] * n;
        correct += c.dataSync()[0];
        samples += n;
        tf.dispose([l, c]);
      }
    } finally {
      model.resetState();
      model.train(wasTraining);
    }
    return {
      loss: samples ? lossSum / samples : Number.NaN,
      accuracy: samples ? correct / samples : Number.NaN,
      samples,
    };
  }

  /** Trains for `epochs` epochs (from `startEpoch`), evaluating after each; returns per-epoch metrics. */
  async fit(options: FitOptions): Promise<EpochMetrics[]> {
    const history: EpochMetrics[] = [];
    for (let epoch = options.startEpoch ?? 0; epoch < options.epochs; epoch++) {
      if (options.schedule) this.optimizer.lr = options.schedule(epoch);
      const lr = this.optimizer.lr;
      const carry = epoch === (options.startEpoch ?? 0) ? options.carry : undefined;
      const tr = await this.trainEpoch(options.train(epoch), epoch, { ...options, carry });
      if (!tr.completed) break;
      const metrics: EpochMetrics = {
        epoch: epoch + 1,
        lr,
        trainLoss: tr.trainLoss,
        trainAccuracy: tr.trainAccuracy,
        trainSamples: tr.trainSamples,
        trainSeconds: tr.trainSeconds,
      };
      for (const h of this.hooks) await h.endEpoch?.({ epoch, step: this.step, metrics });
      const re = options.recalibrate;
      const due = re?.every === 'epoch' || this.hooks.some((h) => h.structureChanged?.());
      if (re && re.batches > 0 && due)
        metrics.recalibratedBatches = await recalibrateBatchNorm(this.model, re.source(epoch), re.batches);
      if (options.test) {
        const ev = await this.evaluate(options.test(epoch));
        metrics.testLoss = ev.loss;
        metrics.testAccuracy = ev.accuracy;
        metrics.testSamples = ev.samples;
      }
      history.push(metrics);
      await options.onEpoch?.(metrics);
    }
    return history;
  }
}
