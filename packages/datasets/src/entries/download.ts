/**
 * `@synaptogen/datasets/download` (Node): the registry of datasets and their remote files, downloads with
 * resume and checksums, verification of what is on disk, and where the data root is.
 *
 * @module download
 */
export { DATA_ENV, resolveDataRoot, userCacheDir } from '../node/dataRoot.js';
export {
  type DownloadDatasetOptions,
  type DownloadedFile,
  type DownloadOptions,
  type DownloadStatus,
  downloadDataset,
  downloadFile,
  hashFile,
  type ProgressCallback,
  partName,
  progressBar,
  remoteUrl,
  verifyChecksum,
} from '../node/download.js';
export { type Checksum, DATASETS, type DatasetInfo, datasetInfo, type RemoteFile } from '../node/registry.js';
export {
  type DatasetReport,
  datasetFiles,
  type FileCheck,
  type SplitCheck,
  verifyDataset,
} from '../node/verify.js';
