import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeNpy } from '@synaptogen/datasets/node';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const BIN = path.join(REPO, 'apps/cli/dist/bin.js');
const DATA = process.env.SYNAPTOGEN_DATA ?? path.resolve(REPO, '../shared/data');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synaptogen-cli-events-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs the BUILT cli as a child process (what users run), never the sources through vitest. */
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

describe('synaptogen events info', () => {
  it('prints the JSON summary of a DVS128 AEDAT 2.0 recording', async () => {
    const r = await cli('events', 'info', path.join(DATA, 'dvs128/neal_walking.aedat'), '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      format: 'aedat2',
      width: 128,
      height: 128,
      events: 70304,
      onEvents: 34031,
      offEvents: 36273,
      tFirst: 135707767,
      tLast: 144951371,
    });
  });

  it('detects AEDAT 4.0 and N-MNIST from the content, whatever the extension', async () => {
    const copy = path.join(tmp, 'recording.dat');
    fs.copyFileSync(path.join(DATA, 'aedat-misc/sample.aedat4'), copy);
    const a = JSON.parse((await cli('events', 'info', copy, '--json')).stdout);
    expect([a.format, a.width, a.height, a.events]).toEqual(['aedat4', 320, 240, 111954]);
    const n = JSON.parse((await cli('events', 'info', path.join(DATA, 'nmnist/1.bs2'), '--json')).stdout);
    expect([n.format, n.width, n.height, n.events, n.tFirst]).toEqual(['nmnist', 34, 34, 4681, 893]);
  });

  it('fails with exit 1 and names the file and byte offset of a header without events', async () => {
    const file = path.join(DATA, 'aedat-misc/sample_aedat_header.aedat');
    const r = await cli('events', 'info', file, '--json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `synaptogen: ${file} at byte 599: AEDAT 2.0 header with no events after it (expected 8-byte events after the # header lines)\n`,
    );
  });
});

describe('synaptogen events frames', () => {
  it('writes [T, 2, H, W] float32 .npy frames whose totals equal the event count', async () => {
    const out = path.join(tmp, 'frames.npy');
    const r = await cli(
      'events',
      'frames',
      path.join(DATA, 'dvs128/alex_walking_again.aedat'),
      '--frames',
      '5',
      '--split-by',
      'time',
      '--size',
      '64',
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('float32 [5, 2, 64, 64] from 19182 aedat2 events');
    const { data, shape } = decodeNpy(new Uint8Array(fs.readFileSync(out)));
    expect(shape).toEqual([5, 2, 64, 64]);
    expect(data).toBeInstanceOf(Float32Array);
    let total = 0;
    for (const v of data as Float32Array) total += v;
    expect(total).toBe(19182);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects bad options with exit 2', async () => {
    const file = path.join(DATA, 'nmnist/1.bs2');
    const a = await cli(
      'events',
      'frames',
      file,
      '--frames',
      '4',
      '--split-by',
      'sideways',
      '--out',
      path.join(tmp, 'x.npy'),
    );
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--split-by must be "number" or "time"/);
    const b = await cli('events', 'frames', file, '--frames', '0', '--out', path.join(tmp, 'x.npy'));
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/--frames must be a positive integer/);
    const c = await cli(
      'events',
      'frames',
      file,
      '--frames',
      '2',
      '--size',
      '64',
      '--out',
      path.join(tmp, 'x.npy'),
    );
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/larger than the 34x34 sensor/);
    expect(fs.existsSync(path.join(tmp, 'x.npy'))).toBe(false);
  });
});
