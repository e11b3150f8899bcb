import { type BatchOptions, batchCount, batches, type ImageDataset } from '@synaptogen/datasets/core';
import { Adam, createModel, type EpochMetrics, type SpikingModel, type Trainer } from '@synaptogen/nn';
import {
  createLearner,
  measureConnectivity,
  type StructureLearner,
  TrainingSession,
} from '@synaptogen/structure';
import { checkpointZip } from './checkpoint.js';
import { type DemoData, inputShapeOf, isColourImage } from './data/dataset.js';
import { MaskMaps } from './masks.js';
import type { EvalPoint, FromWorker, TrainConfig } from './protocol.js';
import { spikeRaster } from './raster.js';

export type Emit = (message: FromWorker, transfer?: Transferable[]) => void;

/** Lets queued messages (pause, stop, checkpoint) in between two training steps. */
const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

export function validateConfig(c: TrainConfig): void {
  const positiveInts: (keyof TrainConfig)[] = [
    'epochs',
    'batchSize',
    'timesteps',
    'trainSamples',
    'testSamples',
    'evalEvery',
  ];
  for (const k of positiveInts) {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${v}`);
  }
  if (!(c.lr > 0) || !Number.isFinite(c.lr)) throw new Error(`learning rate must be > 0, got ${c.lr}`);
  if (!Number.isInteger(c.seed) || c.seed < 0) throw new Error(`seed must be an integer ≥ 0, got ${c.seed}`);
  if (c.width !== undefined && !(c.width > 0 && Number.isFinite(c.width)))
    throw new Error(`width must be > 0, got ${c.width}`);
}

/**
 * One training run of the demo: model, structure learner, Adam and the BPTT trainer of
 * `@synaptogen/nn`, driven step by step so that it can pause, stop and checkpoint between steps.
 * Independent of the worker (it only emits messages), so it also runs under Node in tests.
 */
export class DemoSession {
  readonly model: SpikingModel;
  readonly learner: StructureLearner;
  readonly trainer: Trainer;
  /** Model, learner, Adam and trainer, wired by structure's one host (as the CLI does). */
  private readonly host: TrainingSession;
  readonly stepsPerEpoch: number;
  readonly evals: EvalPoint[] = [];
  readonly history: EpochMetrics[] = [];
  private paused = false;
  private stopped = false;
  private running = false;
  private wake: (() => void) | null = null;
  private pending: (() => Promise<void>)[] = [];
  private trainSeconds = 0;
  private completedEpochs = 0;
  private readonly train: ImageDataset;
  private readonly test: ImageDataset;
  private readonly masks = new MaskMaps();

  constructor(
    readonly config: TrainConfig,
    readonly data: DemoData,
    private readonly emit: Emit,
  ) {
    validateConfig(config);
    this.train = data.train;
    this.test = data.test;
    this.stepsPerEpoch = batchCount(this.train, { batchSize: config.batchSize, limit: config.trainSamples });
    this.model = createModel(config.model, {
      T: config.timesteps,
      inputShape: inputShapeOf(this.train),
      classes: this.train.classes,
      seed: config.seed,
      width: config.width,
    });
    try {
      this.host = new TrainingSession({
        model: this.model,
        learner: createLearner(config.learner, config.learnerOptions),
        optimizer: (params) => new Adam(params, { lr: config.lr }),
        lr: config.lr,
        seed: config.seed,
        totalSteps: config.epochs * this.stepsPerEpoch,
      });
    } catch (e) {
      this.model.dispose();
      throw e;
    }
    this.learner = this.host.learner;
    this.trainer = this.host.trainer;
  }

  get step(): number {
    return this.trainer.step;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  pause(): void {
    if (!this.running || this.paused) return;
    this.paused = true;
    this.emit({ type: 'paused', step: this.step });
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.wake?.();
    this.emit({ type: 'resumed' });
  }

  stop(): void {
    this.stopped = true;
    this.paused = false;
    this.wake?.();
  }

  /** Between steps while training (never while a step's tensors are in flight), at once otherwise. */
  private between<T>(task: () => Promise<T>): Promise<T> {
    if (!this.running || this.paused) return task();
    return new Promise<T>((resolve, reject) => {
      this.pending.push(() => task().then(resolve, reject));
    });
  }

  private async gate(): Promise<void> {
    await yieldToEvents();
    for (const task of this.pending.splice(0)) await task();
    while (this.paused && !this.stopped) await new Promise<void>((r) => (this.wake = r));
  }

  /** Batches of a split as `synaptogen train` makes them (colour images normalised, no augmentation). */
  private batchesOf(ds: ImageDataset, options: BatchOptions) {
    return batches(ds, { ...options, normalize: isColourImage(ds) });
  }

  /** Test accuracy/loss on the test subset, connectivity, its map per layer, and a labelled spike raster. */
  async evaluate(): Promise<EvalPoint> {
    const ev = await this.trainer.evaluate(
      this.batchesOf(this.test, { batchSize: 250, shuffle: false, limit: this.config.testSamples }),
    );
    const conn = measureConnectivity(this.model.prunableWeights());
    const point: EvalPoint = {
      step: this.step,
      epochs: this.step / this.stepsPerEpoch,
      accuracy: ev.accuracy,
      loss: ev.loss,
      connectivity: conn.connectivity,
      perLayer: Object.fromEntries(Object.entries(conn.perLayer).map(([k, v]) => [k, v.connectivity])),
    };
    this.evals.push(point);
    this.emit({ type: 'eval', ...point });
    const maps = this.masks.compute(this.model);
    this.emit(
      { type: 'masks', step: this.step, layers: maps },
      maps.flatMap((m) => [m.density.buffer, m.pruned.buffer, m.regrown.buffer] as ArrayBuffer[]),
    );
    const sample = await this.batchesOf(this.test, { batchSize: 16, shuffle: false, limit: 16 }).next();
    if (!sample.done) {
      const { layers, predictions } = spikeRaster(this.model, sample.value.inputs, sample.value.shape);
      this.emit(
        { type: 'raster', layers, labels: Array.from(sample.value.labels), predictions },
        layers.map((l) => l.data.buffer as ArrayBuffer),
      );
    }
    return point;
  }

  /** Trains all epochs (or until stopped). */
  async run(): Promise<void> {
    const c = this.config;
    this.running = true;
    this.emit({
      type: 'started',
      dataset: this.data.name,
      trainSamples: Math.min(c.trainSamples, this.train.count),
      testSamples: Math.min(c.testSamples, this.test.count),
      stepsPerEpoch: this.stepsPerEpoch,
      classNames: this.data.classNames,
    });
    try {
      await this.evaluate();
      for (let epoch = 0; epoch < c.epochs && !this.stopped; epoch++) {
        let lossSum = 0;
        let correct = 0;
        let samples = 0;
        let seconds = 0;
        let batchIndex = 0;
        for await (const batch of this.batchesOf(this.train, {
          batchSize: c.batchSize,
          seed: c.seed,
          epoch,
          limit: c.trainSamples,
        })) {
          await this.gate();
          if (this.stopped) break;
          const t0 = performance.now();
          const r = this.trainer.trainStep(batch, { epoch, batchIndex: batchIndex++ });
          const dt = (performance.now() - t0) / 1000;
          seconds += dt;
          const n = batch.labels.length; // shape[0] is T for time-major event frames
          lossSum += r.loss * n;
          correct += r.correct;
          samples += n;
          this.emit({
            type: 'step',
            step: this.step,
            epochs: this.step / this.stepsPerEpoch,
            loss: r.loss,
            accuracy: r.correct / n,
            samplesPerSecond: n / dt,
            samples: n,
            seconds: dt,
          });
          if (this.step % c.evalEvery === 0) await this.evaluate();
        }
        this.trainSeconds += seconds;
        if (this.stopped) break;
        const metrics: EpochMetrics = {
          epoch: epoch + 1,
          lr: c.lr,
          trainLoss: lossSum / samples,
          trainAccuracy: correct / samples,
          trainSamples: samples,
          trainSeconds: seconds,
        };
        await this.learner.endEpoch?.({ epoch, step: this.step, metrics });
        const ev = this.evals.at(-1)?.step === this.step ? this.evals.at(-1)! : await this.evaluate();
        metrics.testAccuracy = ev.accuracy;
        metrics.testLoss = ev.loss;
        metrics.testSamples = Math.min(c.testSamples, this.test.count);
        metrics.connectivity = ev.connectivity;
        metrics.connectivityPerLayer = ev.perLayer;
        this.history.push(metrics);
        this.completedEpochs = epoch + 1;
      }
    } finally {
      this.running = false;
      for (const task of this.pending.splice(0)) await task();
    }
    this.emit({ type: 'done', step: this.step, stopped: this.stopped });
  }

  /** The run as a zipped checkpoint directory (model, Adam and learner state, metrics). */
  checkpoint(): Promise<{ fileName: string; bytes: Uint8Array }> {
    return this.between(async () => {
      const c = this.config;
      const name = `demo-${c.model}-${c.learner}-step${this.step}`;
      const d = this.data.name;
      // the live tensors (no copies): nothing to dispose afterwards
      const { tensors, meta: state } = this.host.snapshot();
      const meta = {
        name,
        source: '@synaptogen/demo',
        // the same run record as `synaptogen train` writes (its option names and defaults), so that
        // `synaptogen report` reads it and `synaptogen train --resume` can continue it
        run: {
          options: {
            dataset: d,
            model: c.model,
            ...(c.width === undefined ? {} : { width: c.width }),
            learner: c.learner,
            learnerOption: c.learnerOptions,
            epochs: c.epochs,
            batchSize: c.batchSize,
            lr: c.lr,
            optimizer: 'adam',
            momentum: 0.9,
            weightDecay: 0,
            lrGamma: 0.1,
            timesteps: c.timesteps,
            seed: c.seed,
            trainLimit: c.trainSamples,
            testLimit: c.testSamples,
            backend: 'wasm',
            augment: false,
            json: false,
            quiet: false,
          },
          completedEpochs: this.completedEpochs,
          step: this.step,
          trainSeconds: this.trainSeconds,
          history: this.history,
        },
        optimizer: state.optimizer,
        learner: { ...state.learner, source: 'builtin' },
        evals: this.evals,
      };
      const bytes = await checkpointZip(name, this.model.config, tensors, meta);
      return { fileName: `${name}.zip`, bytes };
    });
  }

  dispose(): void {
    this.host.dispose();
  }
}
