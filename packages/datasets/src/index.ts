// Browser-safe core: parsers over bytes, frame integration, batching. No Node built-ins here.
export * from './aedat2.js';
export * from './aedat4.js';
export * from './batching.js';
export * from './cifar.js';
export * from './errors.js';
export * from './eventFile.js';
export * from './events.js';
export * from './frames.js';
export * from './holdout.js';
export * from './idx.js';
export * from './labelList.js';
export * from './mnistClasses.js';
export * from './nmnist.js';
export * from './npy.js';
export * from './rng.js';
export type * from './types.js';
