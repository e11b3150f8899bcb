/** Messages between the page and the training worker. */

export interface TrainConfig {
  model: string;
  learner: string;
  /** Options passed to the learner's factory (validated by the learner). */
  learnerOptions: Record<string, unknown>;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Time steps T. */
  timesteps: number;
  /** Use only the first N training / test samples (short runs in the browser). */
  trainSamples: number;
  testSamples: number;
  seed: number;
  /** Evaluate on the test subset every this many optimizer steps (and at the end of each epoch). */
  evalEvery: number;
}

/** MNIST from the dev server's data root, or from IDX files (raw or .gz) the user picked. */
export type DataSource = { kind: 'url'; base: string } | { kind: 'files'; files: File[] };

export type ToWorker =
  | { type: 'init'; wasmPaths: string }
  | { type: 'start'; config: TrainConfig; data: DataSource }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'checkpoint' };

export interface LearnerInfo {
  name: string;
  description: string;
}

export interface EvalPoint {
  step: number;
  /** Epochs done, fractional. */
  epochs: number;
  accuracy: number;
  loss: number;
  connectivity: number;
  /** Connectivity (active / total) of each prunable weight. */
  perLayer: Record<string, number>;
}

/** Spikes of one neuron layer: `data[(t * samples + n) * units + u]` is 1 when unit u of sample n fired at t. */
export interface RasterLayer {
  name: string;
  T: number;
  samples: number;
  units: number;
  data: Uint8Array;
}

export type FromWorker =
  | { type: 'ready'; backend: string; kernels: string; learners: LearnerInfo[]; models: string[] }
  | { type: 'status'; text: string }
  | { type: 'started'; trainSamples: number; testSamples: number; stepsPerEpoch: number }
  | { type: 'step'; step: number; epochs: number; loss: number; accuracy: number; samplesPerSecond: number }
  | ({ type: 'eval' } & EvalPoint)
  | { type: 'raster'; layers: RasterLayer[] }
  | { type: 'paused'; step: number }
  | { type: 'resumed' }
  | { type: 'done'; step: number; stopped: boolean }
  | { type: 'checkpoint'; fileName: string; bytes: Uint8Array }
  | { type: 'error'; message: string };
