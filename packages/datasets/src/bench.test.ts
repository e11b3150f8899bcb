import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAedat2 } from './aedat2.js';
import {
  benchCifarBatches,
  benchEventsToFrames,
  cifarBatchFile,
  dvs128Files,
  ensureNumpy,
  numpyEventsToFrames,
  sideBySide,
} from './bench.js';
import { integrateFrames } from './frames.js';
import { decodeNpy } from './npy.js';
import { DATA_ROOT, sameBytes } from './test/dataRoot.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synaptogen-bench-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const numpy = ensureNumpy();

describe('benchmark helpers', () => {
  it('count every event of the six DVS128 files and every CIFAR batch', async () => {
    const files = dvs128Files(DATA_ROOT);
    expect(files).toHaveLength(6);
    const ev = benchEventsToFrames({ files, repeats: 1 });
    expect(ev.events).toBe(690072);
    expect(ev.events_per_s).toBeGreaterThan(0);
    expect(ev.cpu_seconds_best).toBeGreaterThan(0);
    const cifar = await benchCifarBatches({ file: cifarBatchFile(DATA_ROOT), epochs: 1, warmup: 0 });
    expect([cifar.samples, cifar.batches]).toEqual([10000, 79]);
  });

  it('sideBySide keeps the fastest round of each side', async () => {
    const times = [3, 1, 2];
    const r = await sideBySide(
      3,
      (i) => ({
        benchmark: 'cifar10-batches',
        impl: 'synaptogen',
        seconds_best: times[i],
        cpu_seconds_best: 1,
      }),
      (i) => ({ benchmark: 'cifar10-batches', impl: 'numpy', seconds_best: 10 - i, cpu_seconds_best: 1 }),
    );
    expect([r.ours.seconds_best, r.numpy?.seconds_best, r.ours.rounds]).toEqual([1, 8, 3]);
  });

  it('says how to get NumPy when the interpreter lacks it, without installing', () => {
    const r = ensureNumpy({ python: path.join(tmp, 'no-such-python') });
    expect(r.available).toBe(false);
    expect(r.message).toMatch(/apt-get install -y python3-numpy/);
  });

  it.skipIf(!numpy.available)('the NumPy counterpart integrates the same frames as we do', () => {
    const file = dvs128Files(DATA_ROOT)[0];
    const dump = path.join(tmp, 'numpy-frames.npy');
    const r = numpyEventsToFrames({ files: [file], frames: 7, repeats: 1, dump });
    expect(r.events).toBe(parseAedat2(new Uint8Array(fs.readFileSync(file))).count);
    const theirs = decodeNpy(new Uint8Array(fs.readFileSync(dump)));
    const ours = integrateFrames(parseAedat2(new Uint8Array(fs.readFileSync(file))), { frames: 7 });
    expect(theirs.shape).toEqual([7, 2, 128, 128]);
    expect(sameBytes(theirs.data, ours)).toBe(true);
  });
});
