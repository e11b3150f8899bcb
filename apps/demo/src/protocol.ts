/** Messages between the page and the training worker. */
import type { DataSource } from './data/dataset.js';
import type { RunMode } from './mode.js';

export type { DataSource } from './data/dataset.js';

export interface TrainConfig {
  model: string;
  /** Channel width multiplier of conv models (1 = the zoo's widths). */
  width?: number;
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

export type ToWorker =
  | {
      type: 'init';
      wasmPaths: string;
      /** Threads for wasm-simd's kernels (the page's `?threads=N`); default: the cores, 1 when not isolated. */
      threads?: number;
    }
  | { type: 'start'; config: TrainConfig; data: DataSource }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'export'; format: string };

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

/** Which synapses of one prunable layer exist, binned for a heat-map (see masks.ts). */
export interface MaskMap {
  name: string;
  /** The weight as a rows × cols matrix (inputs × outputs). */
  rows: number;
  cols: number;
  binRows: number;
  binCols: number;
  /** Per bin: fraction of its synapses present. */
  density: Float32Array;
  /** Per bin: synapses pruned / regrown since the previous map. */
  pruned: Uint32Array;
  regrown: Uint32Array;
  connectivity: number;
  prunedSinceLast: number;
  regrownSinceLast: number;
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
  | {
      type: 'ready';
      backend: string;
      kernels: string;
      /** The threads the training uses and whether the worker is cross-origin isolated (see mode.ts). */
      mode: RunMode;
      learners: LearnerInfo[];
      models: string[];
    }
  | { type: 'status'; text: string }
  | {
      type: 'started';
      dataset: string;
      trainSamples: number;
      testSamples: number;
      stepsPerEpoch: number;
      classNames: string[];
    }
  | {
      type: 'step';
      step: number;
      epochs: number;
      loss: number;
      accuracy: number;
      samplesPerSecond: number;
      /** The batch's samples and the seconds its training step took. */
      samples: number;
      seconds: number;
    }
  | ({ type: 'eval' } & EvalPoint)
  | { type: 'raster'; layers: RasterLayer[]; labels: number[]; predictions: number[] }
  | { type: 'masks'; step: number; layers: MaskMap[] }
  | { type: 'paused'; step: number }
  | { type: 'resumed' }
  | { type: 'done'; step: number; stopped: boolean }
  | { type: 'export'; fileName: string; bytes: Uint8Array }
  | { type: 'error'; message: string };
