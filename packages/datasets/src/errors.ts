/** What went wrong, as a stable machine-readable code. */
export type DatasetErrorCode =
  | 'bad-magic'
  | 'truncated'
  | 'bad-size'
  | 'no-events'
  | 'out-of-range'
  | 'bad-layout'
  | 'not-found'
  | 'checksum'
  | 'download'
  | 'bad-argument';

export interface DatasetErrorDetails {
  /** The file (or URL, or archive member) the problem is in. */
  file?: string;
  /** Byte offset of the problem inside `file`, where it has one. */
  offset?: number;
  /** What the reader expected to find. */
  expected?: string;
}

/** Base class of every error this package throws on bad input; `code` says which kind. */
export class DatasetError extends Error {
  readonly code: DatasetErrorCode;
  readonly file?: string;
  readonly offset?: number;
  readonly expected?: string;

  constructor(code: DatasetErrorCode, message: string, details: DatasetErrorDetails = {}) {
    const where = [details.file, details.offset !== undefined ? `byte ${details.offset}` : undefined]
      .filter(Boolean)
      .join(' at ');
    const expected = details.expected ? ` (expected ${details.expected})` : '';
    super(where ? `${where}: ${message}${expected}` : `${message}${expected}`);
    this.name = new.target.name;
    this.code = code;
    this.file = details.file;
    this.offset = details.offset;
    this.expected = details.expected;
  }
}

/** The bytes are not in the format the reader expects (wrong magic, bad header, record size...). */
export class DatasetFormatError extends DatasetError {}

/** The file ends before the header or the data it announces. */
export class TruncatedFileError extends DatasetError {
  constructor(message: string, details: DatasetErrorDetails = {}) {
    super('truncated', message, details);
  }
}

/** A dataset or one of its files is missing from the data root. */
export class DatasetNotFoundError extends DatasetError {
  constructor(message: string, details: DatasetErrorDetails = {}) {
    super('not-found', message, details);
  }
}

/** Downloaded or stored bytes do not hash to the published checksum. */
export class ChecksumMismatchError extends DatasetError {
  readonly actual: string;
  constructor(file: string, expected: string, actual: string, what = 'sha256') {
    super('checksum', `${what} checksum is ${actual}`, { file, expected: `${what} ${expected}` });
    this.actual = actual;
  }
}

/** A download failed (HTTP status, network error, size mismatch). */
export class DownloadError extends DatasetError {
  /** Whether trying again may help (a dropped connection) or not (an HTTP error status). */
  readonly retryable: boolean;
  constructor(message: string, details: DatasetErrorDetails = {}, retryable = true) {
    super('download', message, details);
    this.retryable = retryable;
  }
}

/** An option or argument has a value the function cannot use. */
export class InvalidArgumentError extends DatasetError {
  constructor(message: string, details: DatasetErrorDetails = {}) {
    super('bad-argument', message, details);
  }
}
