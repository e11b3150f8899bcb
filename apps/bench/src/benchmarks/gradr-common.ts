import { batches, type ImageDataset, loadDataset } from '@synaptogen/datasets/node';
import { Adam, type Batch, createModel } from '@synaptogen/nn';
import { createLearner, type LearnerReport, TrainingSession } from '@synaptogen/structure';
import * as tf from '@tensorflow/tfjs-core';

/** One training run of the reproduction: a learner (or dense) with its options. */
export interface RunSpec {
  label: string;
  learner: string;
  options: Record<string, unknown>;
}

export interface EpochRow {
  epoch: number;
  testAccuracy: number;
  trainLoss: number;
  connectivity: number;
  perLayer: Record<string, number>;
  pruned: number;
  regrown: number;
  trainSeconds: number;
}

/** MNIST as the reference setup uses it: pixels / 255 in [0, 1], no normalisation. */
export async function loadMnist(dataRoot: string, trainLimit?: number, testLimit?: number) {
  const [train, test] = await Promise.all([
    loadDataset('mnist', { dataDir: dataRoot, split: 'train', limit: trainLimit }),
    loadDataset('mnist', { dataDir: dataRoot, split: 'test', limit: testLimit }),
  ]);
  return { train, test };
}

/**
 * Trains `modelName` with one structure learner and returns per-epoch test accuracy and connectivity.
 * Same seed, same batch order for every run, so the runs differ only in the learner.
 */
export async function trainRun(
  spec: RunSpec,
  setup: {
    modelName: string;
    T: number;
    train: ImageDataset;
    test: ImageDataset;
    epochs: number;
    batchSize: number;
    lr: number;
    seed: number;
    trainLimit?: number;
    /** Stop after the first epoch that ends past this many seconds (long runs on a time budget). */
    maxSeconds?: number;
    log: (line: string) => void;
  },
): Promise<EpochRow[]> {
  const started = performance.now();
  const budget = new AbortController();
  const model = createModel(setup.modelName, { T: setup.T, seed: setup.seed });
  const perEpoch = Math.ceil(Math.min(setup.train.count, setup.trainLimit ?? Infinity) / setup.batchSize);
  const session = new TrainingSession({
    model,
    learner: createLearner(spec.learner, spec.options),
    optimizer: (params) => new Adam(params, { lr: setup.lr }),
    lr: setup.lr,
    seed: setup.seed,
    totalSteps: perEpoch * setup.epochs,
  });
  const { trainer, learner } = session;
  const rows: EpochRow[] = [];
  learner.report(); // resets the pruned/regrown counters (attach itself counts nothing)
  await trainer.fit({
    epochs: setup.epochs,
    signal: budget.signal,
    train: (epoch) =>
      batches(setup.train, {
        batchSize: setup.batchSize,
        seed: setup.seed,
        epoch,
        limit: setup.trainLimit,
      }) as AsyncIterable<Batch>,
    test: () => batches(setup.test, { batchSize: 1000, shuffle: false }) as AsyncIterable<Batch>,
    onEpoch: (m) => {
      const r: LearnerReport = learner.report();
      const row: EpochRow = {
        epoch: m.epoch,
        testAccuracy: m.testAccuracy ?? Number.NaN,
        trainLoss: m.trainLoss,
        connectivity: r.connectivity,
        perLayer: Object.fromEntries(Object.entries(r.perLayer).map(([k, v]) => [k, v.connectivity])),
        pruned: r.pruned,
        regrown: r.regrown,
        trainSeconds: m.trainSeconds,
      };
      rows.push(row);
      if (setup.maxSeconds && (performance.now() - started) / 1000 > setup.maxSeconds) budget.abort();
      setup.log(
        `${spec.label} epoch ${row.epoch}: test ${(100 * row.testAccuracy).toFixed(2)}%  connectivity ${(100 * row.connectivity).toFixed(2)}% ` +
          `(${Object.entries(row.perLayer)
            .map(([k, v]) => `${k} ${(100 * v).toFixed(2)}%`)
            .join(', ')})  pruned ${row.pruned} regrown ${row.regrown}  ${row.trainSeconds.toFixed(1)} s`,
      );
    },
  });
  session.dispose();
  tf.disposeVariables();
  return rows;
}
