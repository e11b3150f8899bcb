/**
 * `@synaptogen/datasets/batching` (browser-safe): batching, rate coding, event-to-frame integration and
 * hold-out splits with every option type.
 *
 * @module batching
 */
export {
  type AugmentOptions,
  type Batch,
  type BatchOptions,
  batchCount,
  batches,
  poissonEncode,
} from '../batching.js';
export {
  type FrameOptions,
  frameBoundaries,
  frameShape,
  integrateFrames,
  MAX_FRAME_VALUES,
  type SplitBy,
} from '../frames.js';
export { type HoldOutOptions, holdOut, subsetDataset } from '../holdout.js';
export type { ImageDataset, Split } from '../types.js';
