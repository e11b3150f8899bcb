import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const BIN = path.join(REPO, 'apps/cli/dist/bin.js');
const DATA = process.env.SYNAPTOGEN_DATA ?? path.resolve(REPO, '../shared/data');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synaptogen-cli-datasets-'));

/** Runs the BUILT cli asynchronously (the test's HTTP server must keep serving meanwhile). */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, SYNAPTOGEN_DATA: DATA } },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

// A local mirror of the shared data on 127.0.0.1 only.
const server = http.createServer((req, res) => {
  const file = path.join(
    DATA,
    path.normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)),
  );
  if (!file.startsWith(DATA) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  const body = fs.readFileSync(file);
  res.writeHead(200, { 'content-length': body.length }).end(body);
});
let mirror = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('synaptogen datasets', () => {
  it('list --json shows every dataset and which downloads are present', async () => {
    const r = await cli('datasets', 'list', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.root).toBe(path.resolve(DATA));
    expect(out.datasets.map((d: { name: string }) => d.name)).toEqual([
      'mnist',
      'fashion-mnist',
      'cifar10',
      'cifar100',
      'cifar10-dvs',
      'nmnist',
    ]);
    expect(out.datasets[0].downloaded).toBe('4/4');
  });

  it('list counts an extracted CIFAR-10 folder as present, not only the official archive', async () => {
    const r = await cli('datasets', 'list', '--json');
    const cifar = JSON.parse(r.stdout).datasets.find((d: { name: string }) => d.name === 'cifar10');
    // the shared data root has cifar-10-batches-bin/ with data_batch_1.bin and test_batch.bin, no .tar.gz
    expect(cifar.downloaded).toBe('0/1');
    expect(cifar.local.train).toBe('folder cifar10/cifar-10-batches-bin (2 of 6 batch files)');
    expect(cifar.local.test).toBe(cifar.local.train);
    const text = await cli('datasets', 'list');
    expect(text.stdout).toMatch(/cifar10 .*\n\s+train and test: folder cifar10\/cifar-10-batches-bin/);
    expect(text.stdout).toMatch(/cifar100 .*\n\s+not found \(synaptogen datasets download cifar100\)/);
  });

  it('info gives sources and checksums; an unknown name exits 2', async () => {
    const r = await cli('datasets', 'info', 'cifar10', '--json');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(info.files[0]).toMatchObject({
      name: 'cifar-10-binary.tar.gz',
      checksum: { algorithm: 'md5', value: 'c32a1d4ab5d03f1284b67883e8d87530' },
    });
    const bad = await cli('datasets', 'info', 'imagenet');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown dataset "imagenet"; expected one of: mnist, fashion-mnist/);
  });

  it('verify passes on the shared MNIST and fails (exit 1) on a corrupted copy', async () => {
    const ok = await cli('datasets', 'verify', 'mnist');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/t10k-labels-idx1-ubyte.gz\s+checksum ok/);
    expect(ok.stdout.trim().endsWith('ok')).toBe(true);
    const root = path.join(tmp, 'corrupt');
    fs.mkdirSync(path.join(root, 'mnist'), { recursive: true });
    for (const f of fs.readdirSync(path.join(DATA, 'mnist')))
      fs.copyFileSync(path.join(DATA, 'mnist', f), path.join(root, 'mnist', f));
    const labels = path.join(root, 'mnist', 'train-labels-idx1-ubyte.gz');
    fs.chmodSync(labels, 0o644);
    const bytes = fs.readFileSync(labels);
    bytes[bytes.length >> 1] ^= 0x55;
    fs.writeFileSync(labels, bytes);
    const bad = await cli('datasets', 'verify', 'mnist', '--data-dir', root, '--json');
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report.ok).toBe(false);
    expect(report.files[1]).toMatchObject({ name: 'train-labels-idx1-ubyte.gz', present: true, ok: false });
  });

  it('verify exits 1 when one split is unreadable though the other reads (issue 16)', async () => {
    const root = path.join(tmp, 'cifar-truncated');
    const folder = path.join(root, 'cifar10', 'cifar-10-batches-bin');
    fs.mkdirSync(folder, { recursive: true });
    fs.symlinkSync(
      path.join(DATA, 'cifar10/cifar-10-batches-bin/data_batch_1.bin'),
      path.join(folder, 'data_batch_1.bin'),
    );
    fs.writeFileSync(path.join(folder, 'test_batch.bin'), Buffer.alloc(3073 * 3 - 7));
    const r = await cli('datasets', 'verify', 'cifar10', '--data-dir', root);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/train split\s+10000 samples/);
    expect(r.stdout).toMatch(/test split\s+NOT READABLE: .*test_batch\.bin/);
    expect(r.stdout.trim().endsWith('FAILED')).toBe(true);
  });

  it('download fetches MNIST from a 127.0.0.1 mirror, verified, into --data-dir', async () => {
    const root = path.join(tmp, 'fresh');
    const r = await cli('datasets', 'download', 'mnist', '--data-dir', root, '--mirror', mirror, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [{ files }] = JSON.parse(r.stdout);
    expect(files.map((f: { status: string }) => f.status)).toEqual([
      'downloaded',
      'downloaded',
      'downloaded',
      'downloaded',
    ]);
    expect(
      fs
        .readFileSync(path.join(root, 'mnist', 't10k-images-idx3-ubyte.gz'))
        .equals(fs.readFileSync(path.join(DATA, 'mnist', 't10k-images-idx3-ubyte.gz'))),
    ).toBe(true);
    const v = await cli('datasets', 'verify', 'mnist', '--data-dir', root, '--json');
    expect(JSON.parse(v.stdout).ok).toBe(true);
    // A dataset the mirror does not have fails with the URL in the message and leaves nothing behind.
    const miss = await cli(
      'datasets',
      'download',
      'fashion-mnist',
      '--data-dir',
      root,
      '--mirror',
      mirror,
      '-q',
    );
    expect(miss.code).toBe(1);
    expect(miss.stderr).toMatch(
      /fashion-mnist\/train-images-idx3-ubyte.gz: HTTP 404 Not Found \(expected HTTP 200 with the file\)\n$/,
    );
    expect(fs.existsSync(path.join(root, 'fashion-mnist', 'train-images-idx3-ubyte.gz'))).toBe(false);
  });
});
