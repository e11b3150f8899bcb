import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChecksumMismatchError, DownloadError } from '../errors.js';
import { DATA_ROOT } from '../test/dataRoot.js';
import { downloadDataset, downloadFile, hashFile, partName } from './download.js';
import { loadMnist } from './mnist.js';
import { DATASETS } from './registry.js';

type Mode = 'good' | 'corrupt' | 'truncate' | 'no-range';

/** Serves files from the shared data folder on 127.0.0.1, honestly or badly depending on the mode. */
function serve(mode: Mode) {
  const ranges: string[] = [];
  const server = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(DATA_ROOT, path.normalize(rel));
    if (!file.startsWith(DATA_ROOT) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    let body = fs.readFileSync(file);
    if (mode === 'corrupt') {
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    const range = req.headers.range;
    if (range) ranges.push(range);
    const m = range?.match(/bytes=(\d+)-/);
    if (m && mode !== 'no-range') {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-length': body.length - start,
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': body.length });
    if (mode === 'truncate') {
      // Announce the full length, send 40%, then drop the connection once the client has had time to
      // store those bytes (dropping it at once can abort the transfer before any byte reaches the disk).
      res.write(body.subarray(0, Math.floor(body.length * 0.4)), () => setTimeout(() => res.destroy(), 300));
      return;
    }
    res.end(body);
  });
  return {
    ranges,
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        ),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synaptogen-dl-'));
const servers = {
  good: serve('good'),
  corrupt: serve('corrupt'),
  truncate: serve('truncate'),
  noRange: serve('no-range'),
};
const url: Record<keyof typeof servers, string> = { good: '', corrupt: '', truncate: '', noRange: '' };

beforeAll(async () => {
  for (const k of Object.keys(servers) as (keyof typeof servers)[]) url[k] = await servers[k].start();
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

const labels = DATASETS.mnist.files.find((f) => f.name === 't10k-labels-idx1-ubyte.gz')!;
const labelsSrc = path.join(DATA_ROOT, 'mnist', labels.name);

describe('downloads from a local HTTP server', () => {
  it('downloads all of MNIST with content checksums, then finds it present', async () => {
    const dataDir = path.join(tmp, 'root1');
    const seen: number[] = [];
    const files = await downloadDataset('mnist', {
      dataDir,
      mirror: url.good,
      onProgress: (r) => seen.push(r),
    });
    expect(files.map((f) => f.status)).toEqual(['downloaded', 'downloaded', 'downloaded', 'downloaded']);
    expect(seen.length).toBeGreaterThan(4);
    expect(seen.at(-1)).toBe(fs.statSync(labelsSrc).size);
    const ds = await loadMnist({ dataDir, split: 'test' });
    expect(ds.count).toBe(10000);
    const again = await downloadDataset('mnist', { dataDir, mirror: url.good });
    expect(again.map((f) => f.status)).toEqual(['present', 'present', 'present', 'present']);
    expect(fs.readdirSync(path.join(dataDir, 'mnist')).filter((f) => f.endsWith('.part'))).toEqual([]);
  });

  it('the MNIST content hash is the one the registry pins (gunzipped bytes)', async () => {
    expect(await hashFile(labelsSrc, { algorithm: 'sha256', of: 'gunzip' })).toBe(labels.checksum.value);
  });

  it('rejects corrupt bytes: typed error, nothing under the final name, no part file left', async () => {
    const dest = path.join(tmp, 'corrupt', labels.name);
    const err = await downloadFile(`${url.corrupt}/mnist/${labels.name}`, dest, labels.checksum).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ChecksumMismatchError);
    expect(err.message).toContain(`${url.corrupt}/mnist/${labels.name}`);
    expect(err.message).toContain(labels.checksum.value);
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.existsSync(partName(dest))).toBe(false);
  });

  it('a truncated transfer keeps only a .part file, and the next run resumes it with a Range request', async () => {
    const dest = path.join(tmp, 'trunc', labels.name);
    const err = await downloadFile(`${url.truncate}/mnist/${labels.name}`, dest, labels.checksum, {
      retries: 0,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(fs.existsSync(dest)).toBe(false);
    const partial = fs.statSync(partName(dest)).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(fs.statSync(labelsSrc).size);
    const status = await downloadFile(`${url.good}/mnist/${labels.name}`, dest, labels.checksum);
    expect(status).toBe('resumed');
    expect(servers.good.ranges).toContain(`bytes=${partial}-`);
    expect(fs.readFileSync(dest).equals(fs.readFileSync(labelsSrc))).toBe(true);
    expect(fs.existsSync(partName(dest))).toBe(false);
  });

  it('restarts from zero when the server ignores the Range request', async () => {
    const dest = path.join(tmp, 'norange', labels.name);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(partName(dest), Buffer.alloc(100, 7)); // junk from an earlier attempt
    const status = await downloadFile(`${url.noRange}/mnist/${labels.name}`, dest, labels.checksum);
    expect(status).toBe('downloaded');
    expect(fs.readFileSync(dest).equals(fs.readFileSync(labelsSrc))).toBe(true);
  });

  it('reports HTTP errors with the URL, and a bad existing copy is replaced', async () => {
    const dest = path.join(tmp, 'missing', 'x.gz');
    const err = await downloadFile(`${url.good}/mnist/nope.gz`, dest, labels.checksum).catch((e) => e);
    expect(err).toBeInstanceOf(DownloadError);
    // the message says what was expected, not how the retry loop treats it (issue 16)
    expect(err.message).toMatch(/nope.gz: HTTP 404 Not Found \(expected HTTP 200 with the file\)$/);
    expect(err.retryable).toBe(false);
    const dest2 = path.join(tmp, 'stale', labels.name);
    fs.mkdirSync(path.dirname(dest2), { recursive: true });
    fs.writeFileSync(dest2, 'stale');
    expect(await downloadFile(`${url.good}/mnist/${labels.name}`, dest2, labels.checksum)).toBe('downloaded');
    expect(fs.readFileSync(dest2).equals(fs.readFileSync(labelsSrc))).toBe(true);
  });
});
