import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import cliProgress from 'cli-progress';
import { ChecksumMismatchError, DatasetFormatError, DownloadError, InvalidArgumentError } from '../errors.js';
import { resolveDataRoot } from './dataRoot.js';
import { type Checksum, datasetInfo, type RemoteFile } from './registry.js';

/** Hashes a file (or its gunzipped content) by streaming; never loads it whole. */
export async function hashFile(file: string, checksum: Pick<Checksum, 'algorithm' | 'of'>): Promise<string> {
  const hash = createHash(checksum.algorithm);
  const sink = new Transform({
    transform(chunk, _enc, done) {
      hash.update(chunk);
      done();
    },
  });
  try {
    if (checksum.of === 'gunzip') await pipeline(fs.createReadStream(file), zlib.createGunzip(), sink);
    else await pipeline(fs.createReadStream(file), sink);
  } catch (err: any) {
    if (err?.code === 'ENOENT') throw err;
    throw new DatasetFormatError(
      'bad-layout',
      `cannot ${checksum.of === 'gunzip' ? 'gunzip' : 'read'} for hashing (${err?.message ?? err})`,
      {
        file,
        expected: checksum.of === 'gunzip' ? 'a complete gzip file' : 'a readable file',
      },
    );
  }
  return hash.digest('hex');
}

/** Throws ChecksumMismatchError when the file does not hash to the expected value. */
export async function verifyChecksum(file: string, checksum: Checksum, label = file): Promise<void> {
  let actual: string;
  try {
    actual = await hashFile(file, checksum);
  } catch (err) {
    if (err instanceof DatasetFormatError)
      throw new ChecksumMismatchError(
        label,
        checksum.value,
        `unreadable (${err.message})`,
        describe(checksum),
      );
    throw err;
  }
  if (actual !== checksum.value.toLowerCase())
    throw new ChecksumMismatchError(label, checksum.value, actual, describe(checksum));
}

const describe = (c: Checksum) => (c.of === 'gunzip' ? `${c.algorithm} of gunzipped content` : c.algorithm);

export type ProgressCallback = (received: number, total: number | undefined, name: string) => void;

export interface DownloadOptions {
  /** Called as bytes arrive (throttled by the stream's chunking). */
  onProgress?: ProgressCallback;
  /** Show a progress bar on stderr. */
  progress?: boolean;
  /** Network retries that resume from the bytes already on disk. Default 2. */
  retries?: number;
  signal?: AbortSignal;
  /** Download again even when a verified file is present. */
  force?: boolean;
}

export type DownloadStatus = 'present' | 'downloaded' | 'resumed';

/** Temp name used while a download is in flight; kept on network failure so the next run resumes. */
export const partName = (dest: string) => `${dest}.part`;

/** A cli-progress bar on stderr, as an onProgress callback plus a stop function. */
export function progressBar(): { onProgress: ProgressCallback; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{name} [{bar}] {percentage}% | {mb}/{totalMb} MB',
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const mb = (n: number) => (n / 1048576).toFixed(1);
  return {
    onProgress: (received, total, name) => {
      const payload = { name, mb: mb(received), totalMb: total ? mb(total) : '?' };
      if (!started) {
        bar.start(total ?? 0, received, payload);
        started = true;
      } else {
        if (total && bar.getTotal() !== total) bar.setTotal(total);
        bar.update(received, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/**
 * Downloads `url` to `dest`: bytes go to `dest.part` (resumed with an HTTP Range request when a
 * previous attempt left one), the checksum is verified, and only then is the file renamed to `dest`.
 */
export async function downloadFile(
  url: string,
  dest: string,
  checksum: Checksum | undefined,
  options: DownloadOptions = {},
): Promise<DownloadStatus> {
  if (!options.force && fs.existsSync(dest)) {
    if (!checksum) return 'present';
    try {
      await verifyChecksum(dest, checksum);
      return 'present';
    } catch (err) {
      if (!(err instanceof ChecksumMismatchError)) throw err;
      // A stale or damaged copy: fetch a fresh one (the rename below replaces it atomically).
    }
  }
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  const part = partName(dest);
  if (options.force) await fs.promises.rm(part, { force: true });
  const bar = options.progress ? progressBar() : undefined;
  const onProgress: ProgressCallback | undefined =
    bar || options.onProgress
      ? (r, t, n) => {
          bar?.onProgress(r, t, n);
          options.onProgress?.(r, t, n);
        }
      : undefined;
  let resumed = false;
  let lastError: unknown;
  try {
    for (let attempt = 0; attempt <= (options.retries ?? 2); attempt++) {
      try {
        resumed = (await fetchInto(url, part, path.basename(dest), onProgress, options.signal)) || resumed;
        lastError = undefined;
        break;
      } catch (err) {
        lastError = err;
        if (!(err instanceof DownloadError) || !err.retryable || options.signal?.aborted) break;
      }
    }
  } finally {
    bar?.stop();
  }
  if (lastError) throw lastError;
  if (checksum) {
    try {
      await verifyChecksum(part, checksum, url);
    } catch (err) {
      // Corrupt bytes must not be resumed from: start over next time.
      await fs.promises.rm(part, { force: true });
      throw err;
    }
  }
  await fs.promises.rename(part, dest);
  return resumed ? 'resumed' : 'downloaded';
}

/** One HTTP attempt; appends to `part` when the server honours the Range request. Returns whether it resumed. */
async function fetchInto(
  url: string,
  part: string,
  name: string,
  onProgress?: ProgressCallback,
  signal?: AbortSignal,
): Promise<boolean> {
  const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: have > 0 ? { Range: `bytes=${have}-` } : {},
      redirect: 'follow',
      signal,
    });
  } catch (err: any) {
    throw new DownloadError(`request failed (${err?.cause?.code ?? err?.message ?? err})`, { file: url });
  }
  if (res.status === 416 && have > 0) {
    // The part file already holds everything (or is garbage): let the checksum decide.
    await res.body?.cancel();
    return true;
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel();
    throw new DownloadError(
      `HTTP ${res.status} ${res.statusText}`,
      { file: url, expected: `HTTP 200 with the file${have > 0 ? ', or 206 for the rest of it' : ''}` },
      false,
    );
  }
  let start = 0;
  let total: number | undefined;
  if (res.status === 206) {
    const m = res.headers.get('content-range')?.match(/bytes (\d+)-(\d+)\/(\d+|\*)/);
    if (!m || Number(m[1]) !== have) {
      await res.body?.cancel();
      await fs.promises.rm(part, { force: true });
      throw new DownloadError(
        `server resumed at an unexpected offset (${res.headers.get('content-range')})`,
        { file: url },
      );
    }
    start = have;
    total = m[3] === '*' ? undefined : Number(m[3]);
  } else {
    const len = res.headers.get('content-length');
    total = len ? Number(len) : undefined;
  }
  if (!res.body) throw new DownloadError('empty response body', { file: url });
  let received = start;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      onProgress?.(received, total, name);
      done(null, chunk);
    },
  });
  try {
    // 200: the server ignored the range (or none was sent), so the part file restarts from zero.
    await pipeline(
      Readable.fromWeb(res.body as any),
      counter,
      fs.createWriteStream(part, { flags: start > 0 ? 'a' : 'w' }),
    );
  } catch (err: any) {
    throw new DownloadError(
      `connection lost after ${received} bytes (${err?.message ?? err}); run again to resume`,
      {
        file: url,
        offset: received,
      },
    );
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError(`got ${received} of ${total} bytes; run again to resume`, {
      file: url,
      offset: received,
      expected: `${total} bytes`,
    });
  }
  return start > 0;
}

export interface DownloadDatasetOptions extends DownloadOptions {
  dataDir?: string;
  /**
   * Base URL that replaces each file's official location: `<mirror>/<folder>/<name>`
   * (e.g. a local copy served over HTTP).
   */
  mirror?: string;
}

export interface DownloadedFile {
  name: string;
  file: string;
  url: string;
  status: DownloadStatus;
}

/** Downloads every file of a dataset into `<data root>/<folder>/`, verifying each checksum. */
export async function downloadDataset(
  name: string,
  options: DownloadDatasetOptions = {},
): Promise<DownloadedFile[]> {
  const info = datasetInfo(name);
  if (!info) throw new InvalidArgumentError(`unknown dataset '${name}'`);
  const root = resolveDataRoot(options.dataDir);
  const out: DownloadedFile[] = [];
  for (const f of info.files) {
    const url = remoteUrl(f, info.folder, options.mirror);
    const file = path.join(root, info.folder, f.name);
    const status = await downloadFile(url, file, f.checksum, options);
    out.push({ name: f.name, file, url, status });
  }
  return out;
}

export function remoteUrl(f: RemoteFile, folder: string, mirror?: string): string {
  if (!mirror) return f.url;
  return `${mirror.replace(/\/+$/, '')}/${folder}/${f.name}`;
}
