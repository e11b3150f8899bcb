import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { DatasetFormatError, DatasetNotFoundError, TruncatedFileError } from '../errors.js';

/** Reads a whole file, turning "no such file" into a DatasetNotFoundError that names it. */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    const buf = await fs.promises.readFile(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err: any) {
    if (err?.code === 'ENOENT') throw new DatasetNotFoundError('file not found', { file });
    if (err?.code === 'EISDIR')
      throw new DatasetFormatError('bad-layout', 'is a folder', { file, expected: 'a file' });
    throw err;
  }
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips when the bytes carry the gzip magic, else returns them unchanged. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = zlib.gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err: any) {
    const msg = String(err?.message ?? err);
    if (/unexpected end/i.test(msg)) {
      throw new TruncatedFileError('gzip stream ends early', {
        file,
        offset: bytes.length,
        expected: 'a complete gzip stream',
      });
    }
    throw new DatasetFormatError('bad-magic', `gzip data is corrupt (${msg})`, {
      file,
      expected: 'valid gzip data',
    });
  }
}

/** Reads a file and gunzips it when it is gzip-compressed. */
export async function readMaybeGzip(file: string): Promise<Uint8Array> {
  return maybeGunzip(await readBytes(file), file);
}

/** The first of `candidates` that exists as a file, or undefined. */
export function firstExisting(candidates: string[]): string | undefined {
  for (const c of candidates) {
    try {
      if (fs.statSync(c).isFile()) return c;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A sibling temp name, unique per process and call, so concurrent writers never share one. */
export function tempNameFor(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
}

/** Writes `data` to a temp file next to `file`, then renames it: readers never see a partial file. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempNameFor(file);
  try {
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}
