/** Where a problem is: the file (or a label for bytes), the HDF5 object path, the NIR node. */
export interface NirErrorDetails {
  file?: string;
  /** Byte offset inside the file, for HDF5 structure errors. */
  offset?: number;
  /** HDF5 path (`/node/nodes/3/weight`) or NIR node name. */
  node?: string;
}

/** Base of every error this package throws on bad input: one line naming where and what was expected. */
export class NirError extends Error {
  readonly file?: string;
  readonly offset?: number;
  readonly node?: string;

  constructor(message: string, details: NirErrorDetails = {}) {
    const where = [
      details.file,
      details.node !== undefined ? `node "${details.node}"` : undefined,
      details.offset !== undefined ? `byte ${details.offset}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    super(where ? `${where}: ${message}` : message);
    this.name = new.target.name;
    this.file = details.file;
    this.offset = details.offset;
    this.node = details.node;
  }
}

/** The bytes are not an HDF5 file of the subset this package reads (or are truncated or corrupt). */
export class Hdf5Error extends NirError {}

/** The HDF5 file is fine but the NIR graph in it is not: unknown node type, missing field, shapes that disagree. */
export class NirGraphError extends NirError {}

/** A valid NIR graph (or synaptogen model) that the conversion does not support, with the reason. */
export class NirUnsupportedError extends NirError {}
