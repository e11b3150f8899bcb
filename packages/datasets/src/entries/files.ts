/**
 * `@synaptogen/datasets/files` (Node): each dataset's reader over its files, cached event frames, and the
 * file helpers they share (gzip, atomic writes).
 *
 * @module files
 */
export {
  type CifarSource,
  type LoadCifarOptions,
  loadCifar,
  locateCifar,
  readTarMembers,
} from '../node/cifar.js';
export {
  type Cifar10DvsOptions,
  type Cifar10DvsSplit,
  type EventDatasetOptions,
  listCifar10Dvs,
  listNmnist,
  loadCifar10Dvs,
  loadNmnist,
  type SampleRef,
  splitCifar10Dvs,
} from '../node/eventDatasets.js';
export {
  type CachedFrames,
  cachedFrames,
  eventFileFrames,
  type FrameCacheOptions,
  frameCachePath,
  readEvents,
  writeNpy,
} from '../node/eventFiles.js';
export {
  firstExisting,
  isDirectory,
  isGzip,
  maybeGunzip,
  readBytes,
  readMaybeGzip,
  tempNameFor,
  writeFileAtomic,
} from '../node/files.js';
export {
  findIdxFile,
  type LoadMnistOptions,
  loadMnist,
  type MnistVariant,
  mnistFolders,
} from '../node/mnist.js';
export { type WorkerBatchOptions, workerBatches } from '../node/workerBatches.js';
