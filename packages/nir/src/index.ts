export { Hdf5Error, NirError, type NirErrorDetails, NirGraphError, NirUnsupportedError } from './errors.js';
export { type ExportNirOptions, exportNir, exportNirBytes } from './export.js';
export { type BatchNormValues, foldBatchNorm } from './fold.js';
export {
  array,
  ints,
  type Metadata,
  type MetadataValue,
  type NdArray,
  NIR_VERSION,
  type NirGraph,
  type NirNode,
  type ReadNirOptions,
  readNir,
  scalar,
  writeNir,
} from './graph.js';
export { type ReadHdf5Options, readHdf5 } from './hdf5/read.js';
export {
  dataset,
  group,
  type H5Data,
  type H5Dataset,
  type H5DType,
  type H5Group,
  type H5Node,
} from './hdf5/tree.js';
export { writeHdf5 } from './hdf5/write.js';
export { type ImportedNir, type ImportNirOptions, importNir, importNirBytes } from './import.js';
