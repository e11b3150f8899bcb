// Node root (`@synaptogen/datasets` under Node, and `/node`): the browser-safe root plus the dataset loaders,
// worker batching, reading event files and downloads. Per-dataset readers and file helpers are on `/files`;
// the registry, downloads in detail, checksums and the data root on `/download`.

export { DatasetNotFoundError } from './errors.js';
export {
  type Batch,
  type BatchOptions,
  batchCount,
  batches,
  DatasetError,
  decodeNpy,
  type EventStream,
  encodeNpy,
  type FrameOptions,
  frameShape,
  holdOut,
  type ImageDataset,
  integrateFrames,
  parseEvents,
  type Split,
  type SplitBy,
  summarizeEvents,
} from './index.js';
export { resolveDataRoot } from './node/dataRoot.js';
export { downloadDataset } from './node/download.js';
export { readEvents } from './node/eventFiles.js';
export {
  DATASET_NAMES,
  type DatasetName,
  isDatasetName,
  type LoadDatasetOptions,
  loadDataset,
} from './node/loadDataset.js';
export { verifyDataset } from './node/verify.js';
export { workerBatches } from './node/workerBatches.js';
