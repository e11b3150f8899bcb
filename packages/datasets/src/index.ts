// Browser-safe root (`@synaptogen/datasets/core`, and the main entry under the `browser` condition): what a
// pipeline needs to turn images or events into batches. No Node built-ins here. The file formats' parsers
// are on `/formats`, every batching and framing option on `/batching`, the error classes on `/errors`.
export { type Batch, type BatchOptions, batchCount, batches } from './batching.js';
export { DatasetError } from './errors.js';
export { parseEvents } from './eventFile.js';
export { type EventStream, summarizeEvents } from './events.js';
export { type FrameOptions, frameShape, integrateFrames, type SplitBy } from './frames.js';
export { holdOut } from './holdout.js';
export { decodeNpy, encodeNpy } from './npy.js';
export type { ImageDataset, Split } from './types.js';
