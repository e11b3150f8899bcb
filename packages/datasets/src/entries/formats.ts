/**
 * `@synaptogen/datasets/formats` (browser-safe): the parsers of each file format over bytes, the event
 * stream they produce, and the class names and statistics of the image datasets.
 *
 * @module formats
 */
export {
  type Aedat2Header,
  type Aedat2Options,
  parseAedat2,
  parseAedat2Header,
} from '../aedat2.js';
export {
  AEDAT4_COMPRESSION,
  type Aedat4Compression,
  type Aedat4Header,
  type Aedat4Options,
  type Aedat4Stream,
  parseAedat4,
  parseAedat4Header,
} from '../aedat4.js';
export {
  CIFAR_STATS,
  CIFAR10_CLASS_NAMES,
  type CifarRecords,
  type CifarVariant,
  parseCifarBatch,
} from '../cifar.js';
export { type ParseEventsOptions, parseEvents } from '../eventFile.js';
export {
  allocateEvents,
  detectEventFormat,
  type EventFormat,
  type EventStream,
  type EventSummary,
  summarizeEvents,
} from '../events.js';
export { type IdxArray, parseIdx } from '../idx.js';
export { parseLabelList } from '../labelList.js';
export { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from '../mnistClasses.js';
export { parseNmnist } from '../nmnist.js';
export { decodeNpy, encodeNpy } from '../npy.js';
