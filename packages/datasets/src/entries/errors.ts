/**
 * `@synaptogen/datasets/errors` (browser-safe): every error the readers throw, each a `DatasetError` with a
 * stable `code`.
 *
 * @module errors
 */
export {
  ChecksumMismatchError,
  DatasetError,
  type DatasetErrorCode,
  type DatasetErrorDetails,
  DatasetFormatError,
  DatasetNotFoundError,
  DownloadError,
  InvalidArgumentError,
  TruncatedFileError,
} from '../errors.js';
