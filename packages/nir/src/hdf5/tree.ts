/**
 * The part of HDF5 that NIR files use, as plain data: groups of named children and n-dimensional
 * datasets of numbers or strings. Attributes, links to other files, compound and reference types are
 * outside the subset.
 */
export type H5Node = H5Group | H5Dataset;

export interface H5Group {
  readonly kind: 'group';
  readonly children: Map<string, H5Node>;
}

/** Element types: little-endian IEEE floats, integers, and UTF-8 strings. */
export type H5DType = 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'bool' | 'str';

export type H5Data = Float32Array | Float64Array | string[];

export interface H5Dataset {
  readonly kind: 'dataset';
  readonly dtype: H5DType;
  /** [] for a scalar. */
  readonly shape: number[];
  /** Row-major values: Float32Array for f4, Float64Array for every other number type (exact up to 2^53), strings for str. */
  readonly data: H5Data;
}

export const group = (entries: Iterable<[string, H5Node]> = []): H5Group => ({
  kind: 'group',
  children: new Map(entries),
});

export function dataset(dtype: H5DType, shape: number[], data: H5Data): H5Dataset {
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count)
    throw new Error(`dataset of shape [${shape}] needs ${count} values, got ${data.length}`);
  if ((dtype === 'str') !== Array.isArray(data))
    throw new Error(
      `dataset dtype ${dtype} does not match its ${Array.isArray(data) ? 'string' : 'numeric'} data`,
    );
  return { kind: 'dataset', dtype, shape, data };
}

export const scalarString = (s: string): H5Dataset => dataset('str', [], [s]);
export const scalarInt = (n: number): H5Dataset => dataset('i8', [], Float64Array.of(n));
