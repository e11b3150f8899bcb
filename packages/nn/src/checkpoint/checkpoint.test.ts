import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../models/zoo.js';
import { loadCheckpoint, recoverCheckpoint, saveCheckpoint } from '../node/checkpoint-fs.js';
import { CheckpointError, manifestDigestText, modelTensors, restoreModel } from './format.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sha256 = (s: string | Uint8Array) => createHash('sha256').update(s).digest('hex');
const newDir = () => join(mkdtempSync(join(tmpdir(), 'ckpt-')), 'run');
const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const weightsPath = (dir: string) => join(dir, readManifest(dir).weightsFile);

/** Edits manifest.json; `reseal` recomputes its checksum, so that validation (not the checksum) answers. */
function editManifest(dir: string, edit: (m: Record<string, any>) => void, reseal = true): void {
  const m = readManifest(dir);
  edit(m);
  if (reseal) m.manifestSha256 = sha256(manifestDigestText(m));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
}

/** A small saved checkpoint (two tensors) to break in tests. */
async function smallCheckpoint(meta: Record<string, unknown> = {}): Promise<string> {
  const dir = newDir();
  const tensors = new Map<string, tf.Tensor>([
    ['model/a', tf.tensor([1, 2, 3, 4, 5, 6], [2, 3])],
    ['model/b', tf.tensor([7, 8], [2], 'int32')],
  ]);
  await saveCheckpoint(
    dir,
    { name: 'tiny', T: 1, inputShape: [3], classes: 2, seed: 0 } as never,
    tensors,
    meta,
  );
  tf.dispose([...tensors.values()]);
  return dir;
}

describe('checkpoints', () => {
  it('round-trip a model: same weights, same outputs', async () => {
    const dir = newDir();
    const model = createModel('conv-small', { seed: 4, inputShape: [3, 16, 16] });
    await saveCheckpoint(dir, model.config, modelTensors(model), { note: 'x' });
    const data = await loadCheckpoint(dir);
    expect(data.manifest.meta.note).toBe('x');
    const again = restoreModel(dir, data);
    const x = tf.randomNormal([2, 3, 16, 16], 0, 1, 'float32', 1);
    expect(Array.from(again.predict(x).dataSync())).toEqual(Array.from(model.predict(x).dataSync()));
  });

  it('detect corruption and truncation, naming the checkpoint', async () => {
    const dir = newDir();
    const model = createModel('gradr-mnist-mlp');
    await saveCheckpoint(dir, model.config, modelTensors(model), {});
    const weights = weightsPath(dir);
    const bytes = readFileSync(weights);
    bytes[100] ^= 0xff;
    writeFileSync(weights, bytes);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/weights-[0-9a-f]+\.bin does not match its SHA-256/);
    writeFileSync(weights, bytes.subarray(0, 1000));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/truncated or corrupt/);
    writeFileSync(join(dir, 'manifest.json'), '{ not json');
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(join(dir, 'nope'))).rejects.toThrow(/does not exist/);
  });

  it('a failed save leaves the previous checkpoint intact and nothing behind', async () => {
    const dir = newDir();
    const model = createModel('gradr-mnist-mlp', { seed: 1 });
    await saveCheckpoint(dir, model.config, modelTensors(model), { epoch: 1 });
    const files = readdirSync(dir).sort();
    const before = readFileSync(weightsPath(dir));
    const bad = new Map(modelTensors(model));
    bad.set('model/broken', {
      dtype: 'float32',
      shape: [1],
      data: () => Promise.reject(new Error('disk full')),
    } as unknown as tf.Tensor);
    await expect(saveCheckpoint(dir, model.config, bad, { epoch: 2 })).rejects.toThrow(/disk full/);
    expect(readFileSync(weightsPath(dir)).equals(before)).toBe(true);
    expect((await loadCheckpoint(dir)).manifest.meta.epoch).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(files);
  });

  it('a second save switches to new weights and removes the old ones', async () => {
    const dir = await smallCheckpoint({ epoch: 1 });
    const first = readManifest(dir).weightsFile;
    await saveCheckpoint(dir, { name: 'tiny' } as never, new Map([['model/a', tf.zeros([3])]]), { epoch: 2 });
    const m = readManifest(dir);
    expect(m.weightsFile).not.toBe(first);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', m.weightsFile]);
    expect((await loadCheckpoint(dir)).manifest.meta.epoch).toBe(2);
  });

  it('refuses weights whose shapes do not fit the model', async () => {
    const dir = newDir();
    const model = createModel('gradr-mnist-mlp');
    const tensors = modelTensors(model);
    tensors.set('model/body.1.weight', tf.zeros([10, 10]));
    await saveCheckpoint(dir, model.config, tensors, {});
    const data = await loadCheckpoint(dir);
    expect(() => restoreModel(dir, data)).toThrow(/has shape \[10,10\], the model expects \[784,800\]/);
  });
});

describe('checkpoint integrity (issue 16)', () => {
  it('checksums are required: without weightsSha256 or manifestSha256 the checkpoint is refused', async () => {
    const dir = await smallCheckpoint();
    const weights = weightsPath(dir);
    const bytes = readFileSync(weights);
    bytes[0] ^= 0x01;
    writeFileSync(weights, bytes);
    editManifest(dir, (m) => delete m.weightsSha256);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /manifest\.json: has no "weightsSha256": every file of a checkpoint needs its SHA-256/,
    );
    editManifest(dir, (m) => delete m.manifestSha256, false);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/has no "weightsSha256"/);
  });

  it('an edited manifest is refused by its own checksum', async () => {
    const dir = await smallCheckpoint({ epoch: 1 });
    editManifest(dir, (m) => (m.meta.epoch = 7), false);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/manifest\.json does not match its SHA-256/);
    const other = await smallCheckpoint();
    editManifest(other, (m) => delete m.manifestSha256, false);
    await expect(loadCheckpoint(other)).rejects.toThrow(/has no "manifestSha256"/);
  });

  it('names the file, the field and what was expected for broken entries', async () => {
    const cases: Array<[(m: Record<string, any>) => void, RegExp]> = [
      [(m) => (m.tensors[0].offset = 2), /tensor "model\/a": offset is 2, expected a multiple of 4/],
      [(m) => delete m.tensors[0].shape, /tensor "model\/a": shape missing is not a list of integers/],
      [(m) => (m.tensors[0].shape = '2,3'), /tensor "model\/a": shape "2,3" is not a list of integers/],
      [
        (m) => (m.tensors[1].dtype = 'float64'),
        /tensor "model\/b": dtype "float64" is not supported \(expected "float32" or "int32"\)/,
      ],
      [(m) => (m.tensors[0].shape = [1e9, 1e9]), /needs more bytes than the weights file has/],
      [(m) => (m.tensors[1].offset = 1000), /bytes 1000\.\.1008 lie outside the weights file/],
      [
        (m) => (m.weightsFile = '../elsewhere.bin'),
        /"weightsFile" is "\.\.\/elsewhere\.bin", expected a file name/,
      ],
      [(m) => (m.tensors = {}), /"tensors" is \{\}, expected a list/],
      [(m) => m.tensors.push(m.tensors[0]), /tensor "model\/a" appears twice/],
      [(m) => (m.version = 9), /version 9 is not supported/],
    ];
    for (const [edit, message] of cases) {
      const dir = await smallCheckpoint();
      editManifest(dir, edit);
      const err = await loadCheckpoint(dir).catch((e) => e);
      expect(err, String(message)).toBeInstanceOf(CheckpointError);
      expect(err.message, String(message)).toMatch(message);
      expect(err.message).toContain(`checkpoint ${dir}: manifest.json: `);
    }
  });

  it('a folder where a file belongs is named as such', async () => {
    const dir = await smallCheckpoint();
    const weights = weightsPath(dir);
    renameSync(weights, `${weights}.aside`);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /is missing weights-[0-9a-f]+\.bin \(the weights named by manifest\.json\)/,
    );
    mkdirSync(weights);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /weights-[0-9a-f]+\.bin is a folder \(expected the weights/,
    );
    await expect(loadCheckpoint(weights.replace(/weights.*$/, 'manifest.json'))).rejects.toThrow(
      /is not a directory/,
    );
  });
});

describe('recovery after an interrupted save', () => {
  it('removes temp manifests and weights the manifest does not name; keeps the named ones', async () => {
    const dir = await smallCheckpoint({ epoch: 1 });
    const keep = readManifest(dir).weightsFile;
    writeFileSync(join(dir, 'weights-0123456789ab.bin'), 'partial');
    writeFileSync(join(dir, 'manifest.json.tmp-0123456789ab'), '{"half');
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const r = await recoverCheckpoint(dir);
    expect(r.removed.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      'manifest.json.tmp-0123456789ab',
      'weights-0123456789ab.bin',
    ]);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'notes.txt', keep].sort());
    expect((await loadCheckpoint(dir)).manifest.meta.epoch).toBe(1);
  });

  it('without a readable manifest it removes nothing it cannot attribute', async () => {
    const dir = await smallCheckpoint();
    writeFileSync(join(dir, 'manifest.json'), '{ broken');
    const before = readdirSync(dir).sort();
    expect((await recoverCheckpoint(dir)).removed).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('puts back the checkpoint an older synaptogen left aside when killed between its two renames', async () => {
    const dir = await smallCheckpoint({ epoch: 1 });
    const parent = join(dir, '..');
    renameSync(dir, join(parent, '.run.old-123-abcd'));
    mkdirSync(join(parent, '.run.tmp-123-abcd'));
    writeFileSync(join(parent, '.run.tmp-123-abcd', 'weights.bin'), 'partial');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/does not exist/);
    const r = await recoverCheckpoint(dir);
    expect(r.restored).toBe(join(parent, '.run.old-123-abcd'));
    expect(readdirSync(parent)).toEqual(['run']);
    expect((await loadCheckpoint(dir)).manifest.meta.epoch).toBe(1);
  });
});
