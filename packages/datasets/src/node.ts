// Node entry: everything in the core plus file system readers, the data root, caches and downloads.
export * from './index.js';
export * from './node/cifar.js';
export * from './node/dataRoot.js';
export * from './node/download.js';
export * from './node/eventDatasets.js';
export * from './node/eventFiles.js';
export * from './node/files.js';
export * from './node/loadDataset.js';
export * from './node/mnist.js';
export * from './node/registry.js';
export * from './node/verify.js';
export * from './node/workerBatches.js';
