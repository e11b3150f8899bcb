import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root, from this file's location (packages/datasets/src/test). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The shared real data, as tests are told to find it. */
export const DATA_ROOT = process.env.SYNAPTOGEN_DATA ?? path.resolve(REPO_ROOT, '../shared/data');

/** Byte-wise equality of two typed arrays; far faster than a deep toEqual on millions of elements. */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
