import { DatasetFormatError, TruncatedFileError } from './errors.js';

export interface IdxArray {
  /** Sizes of each dimension, outermost first. */
  dims: number[];
  /** Row-major unsigned bytes (only type 0x08 is used by MNIST-like datasets). */
  data: Uint8Array;
}

/**
 * Parses an IDX file (MNIST format): `00 00 <type> <ndims>`, ndims big-endian u32 sizes, data.
 * `expectedMagic` (e.g. 0x803 for images) is checked when given. The data is a view, not a copy.
 */
export function parseIdx(bytes: Uint8Array, file = '<idx>', expectedMagic?: number): IdxArray {
  if (bytes.length < 4)
    throw new TruncatedFileError('file shorter than the 4-byte IDX magic', { file, offset: 0 });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08 || bytes[3] === 0) {
    throw new DatasetFormatError('bad-magic', `IDX magic is 0x${magic.toString(16).padStart(8, '0')}`, {
      file,
      offset: 0,
      expected: expectedMagic
        ? `0x${expectedMagic.toString(16).padStart(8, '0')}`
        : '00 00 08 <ndims> (unsigned byte data)',
    });
  }
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    throw new DatasetFormatError('bad-magic', `IDX magic is 0x${magic.toString(16).padStart(8, '0')}`, {
      file,
      offset: 0,
      expected: `0x${expectedMagic.toString(16).padStart(8, '0')}`,
    });
  }
  const ndims = bytes[3];
  const headerEnd = 4 + 4 * ndims;
  if (bytes.length < headerEnd) {
    throw new TruncatedFileError(
      `header announces ${ndims} dimensions but the file has ${bytes.length} bytes`,
      {
        file,
        offset: bytes.length,
        expected: `at least ${headerEnd} bytes`,
      },
    );
  }
  const dims: number[] = [];
  let total = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i);
    dims.push(d);
    total *= d;
  }
  const available = bytes.length - headerEnd;
  if (available < total) {
    throw new TruncatedFileError(`data has ${available} bytes, header ${dims.join('x')} needs ${total}`, {
      file,
      offset: bytes.length,
      expected: `${headerEnd + total} bytes`,
    });
  }
  if (available > total) {
    throw new DatasetFormatError(
      'bad-size',
      `${available - total} trailing bytes after the ${dims.join('x')} data`,
      {
        file,
        offset: headerEnd + total,
        expected: `${headerEnd + total} bytes`,
      },
    );
  }
  return { dims, data: bytes.subarray(headerEnd, headerEnd + total) };
}
