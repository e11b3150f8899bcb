import type { MetadataValue, NdArray } from '../graph.js';

/** A number stored as a one-value array (how NIR metadata holds `dt`, `time_steps`, ...), else undefined. */
export function num(v: MetadataValue | undefined): number | undefined {
  if (v && typeof v === 'object' && 'data' in v && (v as NdArray).data.length === 1)
    return Number((v as NdArray).data[0]);
  return undefined;
}

/** The values of a metadata array as float32, or null when `v` is not an array. */
export function metadataFloats(v: MetadataValue | undefined): Float32Array | null {
  return v && typeof v === 'object' && 'data' in v ? Float32Array.from(v.data as Float32Array) : null;
}
