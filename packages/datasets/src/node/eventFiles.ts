import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DatasetFormatError } from '../errors.js';
import { type ParseEventsOptions, parseEvents } from '../eventFile.js';
import type { EventStream } from '../events.js';
import { type FrameOptions, frameShape, integrateFrames } from '../frames.js';
import { decodeNpy, encodeNpy } from '../npy.js';
import { userCacheDir } from './dataRoot.js';
import { readBytes, writeFileAtomic } from './files.js';

/** Reads and parses an event recording (AEDAT 2.0, AEDAT 4.0, N-MNIST), format detected from content. */
export async function readEvents(file: string, options: ParseEventsOptions = {}): Promise<EventStream> {
  return parseEvents(await readBytes(file), file, options);
}

export interface FrameCacheOptions {
  /** Folder for cached frames. Default `<user cache dir>/frames`. */
  cacheDir?: string;
  /** Set false to neither read nor write the cache. */
  cache?: boolean;
}

/** Bump when the integration changes, so old cache entries are never reused. */
const CACHE_VERSION = 1;

/**
 * Cache file for one recording and one set of frame parameters. The key hashes every parameter
 * and the source's identity (path, archive member, size, mtime), so a changed file is re-integrated.
 */
export function frameCachePath(
  source: { file: string; member?: string; size: number; mtimeMs: number },
  frames: FrameOptions,
  parse: ParseEventsOptions,
  cacheDir: string,
): string {
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        v: CACHE_VERSION,
        file: path.resolve(source.file),
        member: source.member ?? null,
        size: source.size,
        mtimeMs: source.mtimeMs,
        frames: frames.frames,
        splitBy: frames.splitBy ?? 'number',
        size2d: frames.size ?? null,
        format: parse.format ?? null,
        outOfRange: parse.outOfRange ?? 'error',
        streamId: parse.streamId ?? null,
      }),
    )
    .digest('hex');
  return path.join(cacheDir, 'frames', key.slice(0, 2), `${key}.npy`);
}

export interface CachedFrames {
  frames: Float32Array;
  shape: [number, number, number, number];
  fromCache: boolean;
  cacheFile?: string;
}

/**
 * Integrated `[T, 2, H, W]` frames of a recording, from the on-disk cache when present; otherwise
 * parsed, integrated and written to the cache (temp file + rename).
 */
export async function cachedFrames(
  source: { file: string; member?: string; size: number; mtimeMs: number; read: () => Promise<Uint8Array> },
  frames: FrameOptions,
  options: FrameCacheOptions & ParseEventsOptions = {},
): Promise<CachedFrames> {
  const useCache = options.cache !== false;
  const cacheFile = useCache
    ? frameCachePath(source, frames, options, options.cacheDir ?? userCacheDir())
    : undefined;
  if (cacheFile) {
    try {
      const bytes = await fs.promises.readFile(cacheFile);
      const { data, shape } = decodeNpy(
        new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        cacheFile,
      );
      if (data instanceof Float32Array && shape.length === 4) {
        return { frames: data, shape: shape as [number, number, number, number], fromCache: true, cacheFile };
      }
    } catch (err: any) {
      // A missing entry is the normal miss; an unreadable one is rebuilt and overwritten.
      if (err?.code !== 'ENOENT' && !(err instanceof DatasetFormatError) && err?.code !== 'truncated')
        throw err;
    }
  }
  const name = source.member ? `${source.file}:${source.member}` : source.file;
  const ev = parseEvents(await source.read(), name, options);
  const data = integrateFrames(ev, frames);
  const shape = frameShape(ev, frames);
  if (cacheFile) await writeFileAtomic(cacheFile, encodeNpy(data, shape));
  return { frames: data, shape, fromCache: false, cacheFile };
}

/** Frames of one event file on disk, cached. */
export async function eventFileFrames(
  file: string,
  frames: FrameOptions,
  options: FrameCacheOptions & ParseEventsOptions = {},
) {
  const st = await fs.promises.stat(file).catch(() => undefined);
  return cachedFrames(
    { file, size: st?.size ?? -1, mtimeMs: st?.mtimeMs ?? -1, read: () => readBytes(file) },
    frames,
    options,
  );
}

/** Writes a typed array as `.npy` atomically (e.g. frames for Python users). */
export async function writeNpy(file: string, data: Float32Array, shape: number[]): Promise<void> {
  await writeFileAtomic(file, encodeNpy(data, shape));
}
