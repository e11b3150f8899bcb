import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@synaptogen/nn';
import { unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { cifarFromFiles } from './data/cifar.js';
import type { DemoData } from './data/dataset.js';
import { idxData, type Mnist, mnistKind, readMnist } from './data/idx.js';
import { nmnistFromFiles } from './data/nmnist.js';
import type { EvalPoint, FromWorker, TrainConfig } from './protocol.js';
import { DemoSession } from './session.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dataRoot = process.env.SYNAPTOGEN_DATA ?? resolve(repoRoot, '../shared/data');

let mnist: Mnist;
let data: DemoData;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  mnist = await readMnist(async (kind) => {
    const name = `${kind}-idx${kind.endsWith('images') ? 3 : 1}-ubyte.gz`;
    return { name, bytes: new Uint8Array(await readFile(join(dataRoot, 'mnist', name))) };
  });
  data = idxData('mnist', mnist);
});

const base: TrainConfig = {
  model: 'gradr-mnist-mlp',
  learner: 'gradr',
  learnerOptions: {},
  epochs: 1,
  batchSize: 64,
  lr: 2e-3,
  timesteps: 4,
  trainSamples: 1280,
  testSamples: 250,
  seed: 1,
  evalEvery: 5,
};

function collect(): { messages: FromWorker[]; emit: (m: FromWorker) => void } {
  const messages: FromWorker[] = [];
  return { messages, emit: (m) => messages.push(m) };
}

describe('MNIST in the browser loader', () => {
  it('reads the real gzip IDX files (60000 / 10000, official first labels)', () => {
    expect(mnist.train.count).toBe(60000);
    expect(mnist.test.count).toBe(10000);
    expect([...mnist.train.labels.subarray(0, 5)]).toEqual([5, 0, 4, 1, 9]);
    expect([...mnist.test.labels.subarray(0, 3)]).toEqual([7, 2, 1]);
  });

  it('matches file names of both spellings and rejects non-MNIST names', () => {
    expect(mnistKind('train-images-idx3-ubyte.gz')).toBe('train-images');
    expect(mnistKind('t10k-labels.idx1-ubyte')).toBe('t10k-labels');
    expect(mnistKind('notes.txt')).toBeUndefined();
  });

  it('names the file when the bytes are not MNIST', async () => {
    await expect(
      readMnist(async (kind) => ({ name: `${kind}.bin`, bytes: new Uint8Array([1, 2, 3, 4, 5]) })),
    ).rejects.toThrow(/train-images\.bin/);
  });
});

describe('DemoSession', () => {
  it('learns under Grad R while connectivity drops, and checkpoints the run', async () => {
    const { messages, emit } = collect();
    const s = new DemoSession(base, data, emit);
    await s.run();
    const evals = messages.filter((m): m is { type: 'eval' } & EvalPoint => m.type === 'eval');
    expect(evals.length).toBeGreaterThanOrEqual(3);
    const first = evals[0];
    const last = evals.at(-1)!;
    expect(first.step).toBe(0);
    expect(first.connectivity).toBe(1);
    expect(last.connectivity).toBeLessThan(0.95);
    // chance is 0.1; 20 steps of 64 samples reach ~0.5 on the test subset
    expect(last.accuracy).toBeGreaterThan(0.3);
    expect(last.accuracy).toBeGreaterThan(first.accuracy + 0.2);
    expect(Object.keys(last.perLayer)).toEqual(['body.1.weight', 'body.3.weight']);
    const raster = messages.find((m) => m.type === 'raster');
    expect(raster?.type === 'raster' && raster.layers.map((l) => [l.T, l.samples, l.units])).toEqual([
      [4, 16, 64],
      [4, 16, 10],
    ]);
    expect(messages.at(-1)).toEqual({ type: 'done', step: 20, stopped: false });

    // the raster is labelled: the first 16 test digits and what the model predicts for them
    expect(raster?.type === 'raster' && raster.labels).toEqual([
      7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5,
    ]);
    expect(raster?.type === 'raster' && raster.predictions.length).toBe(16);
    // a connectivity map per layer at every evaluation: all present at step 0, then Grad R prunes (and regrows)
    const maps = messages.filter((m): m is Extract<FromWorker, { type: 'masks' }> => m.type === 'masks');
    expect(maps.map((m) => m.step)).toEqual(evals.map((e) => e.step));
    const [fc1] = maps[0].layers;
    expect([fc1.name, fc1.rows, fc1.cols, fc1.binRows, fc1.binCols]).toEqual([
      'body.1.weight',
      784,
      800,
      98,
      100,
    ]);
    expect(fc1.connectivity).toBe(1);
    expect(Array.from(new Set(fc1.density))).toEqual([1]);
    const lastMap = maps.at(-1)!.layers;
    expect(lastMap.map((l) => l.connectivity)).toEqual(
      Object.values(last.perLayer).map((c) => expect.closeTo(c, 12)),
    );
    const prunedSum = maps.slice(1).reduce((a, m) => a + m.layers[0].prunedSinceLast, 0);
    const regrownSum = maps.slice(1).reduce((a, m) => a + m.layers[0].regrownSinceLast, 0);
    // what the maps counted adds up to the layer's connectivity at the end
    expect(784 * 800 - prunedSum + regrownSum).toBe(Math.round(lastMap[0].connectivity * 784 * 800));
    expect(prunedSum).toBeGreaterThan(0);

    const { fileName, bytes } = await s.checkpoint();
    expect(fileName).toBe('demo-gradr-mnist-mlp-gradr-step20.zip');
    const files = unzipSync(bytes);
    const dir = fileName.replace(/\.zip$/, '');
    const manifest = JSON.parse(new TextDecoder().decode(files[`${dir}/manifest.json`]));
    expect(files[`${dir}/weights.bin`].byteLength).toBe(manifest.weightsByteLength);
    expect(manifest.meta.run.history).toHaveLength(1);
    expect(manifest.meta.run.history[0].connectivity).toBeCloseTo(last.connectivity, 6);
    expect(manifest.tensors.map((t: { name: string }) => t.name)).toContain('learner/theta/body.1.weight');
    s.dispose();
  });

  it('pauses between steps and resumes where it stopped', async () => {
    const { messages, emit } = collect();
    const s = new DemoSession({ ...base, learner: 'dense', trainSamples: 640, evalEvery: 100 }, data, emit);
    const run = s.run();
    while (s.step < 2) await new Promise((r) => setTimeout(r, 5));
    s.pause();
    const at = s.step;
    await new Promise((r) => setTimeout(r, 300));
    expect(s.step).toBe(at);
    s.resume();
    await run;
    expect(s.step).toBe(10);
    expect(messages.map((m) => m.type)).toContain('paused');
    s.dispose();
  });

  it('trains a conv net on CIFAR-10 batches picked as files', async () => {
    const dir = join(dataRoot, 'cifar10/cifar-10-batches-bin');
    const files = await Promise.all(
      ['data_batch_1.bin', 'test_batch.bin'].map(async (n) => new File([await readFile(join(dir, n))], n)),
    );
    const cifar = await cifarFromFiles(files);
    expect([cifar.train.count, cifar.test.count, cifar.classNames[3]]).toEqual([10000, 10000, 'cat']);
    const { messages, emit } = collect();
    const config = {
      ...base,
      model: 'conv-small',
      width: 0.25,
      timesteps: 2,
      trainSamples: 128,
      testSamples: 64,
      batchSize: 32,
      evalEvery: 4,
    };
    const s = new DemoSession(config, cifar, emit);
    await s.run();
    expect(s.model.config.inputShape).toEqual([3, 32, 32]);
    expect(messages.at(-1)).toEqual({ type: 'done', step: 4, stopped: false });
    const maps = messages.filter((m): m is Extract<FromWorker, { type: 'masks' }> => m.type === 'masks');
    // conv filters [3, 3, in, out] map as (3·3·in) × out
    expect(maps[0].layers[0]).toMatchObject({ name: 'body.0.weight', rows: 27, cols: 8 });
    const raster = messages.find((m): m is Extract<FromWorker, { type: 'raster' }> => m.type === 'raster');
    expect(raster?.labels.slice(0, 4)).toEqual([3, 8, 8, 0]); // test_batch.bin: cat, ship, ship, airplane
    expect(raster?.layers.every((l) => l.T === 2 && l.samples === 16)).toBe(true);
    s.dispose();
  });

  it('trains on N-MNIST recordings picked with their label list (event frames, time-major)', async () => {
    const dir = join(dataRoot, 'nmnist');
    const list = await readFile(join(dir, 'train1K.txt'), 'utf8');
    const ids = list
      .split('\n')
      .filter((l) => /^\d+\s/.test(l)) // the first line is a '#' header
      .slice(0, 150)
      .map((l) => l.split(/\s+/)[0]);
    const files = [
      new File([list], 'train1K.txt'),
      ...(await Promise.all(
        ids.map(async (id) => new File([await readFile(join(dir, `${id}.bs2`))], `${id}.bs2`)),
      )),
    ];
    const nmnist = await nmnistFromFiles(files, 4, { train: 120, test: 30 });
    // every fifth recording of each class is held out (26 of these 150); the run takes 120 of the other 124
    expect([nmnist.train.count, nmnist.test.count, nmnist.train.timesteps]).toEqual([120, 26, 4]);
    const { messages, emit } = collect();
    const s = new DemoSession(
      {
        ...base,
        learner: 'dense',
        timesteps: 4,
        trainSamples: 120,
        testSamples: 30,
        batchSize: 30,
        evalEvery: 2,
      },
      nmnist,
      emit,
    );
    await s.run();
    expect(s.model.config.inputShape).toEqual([4, 2, 34, 34]);
    expect(messages.at(-1)).toEqual({ type: 'done', step: 4, stopped: false });
    const raster = messages.find((m): m is Extract<FromWorker, { type: 'raster' }> => m.type === 'raster');
    expect(raster?.layers.map((l) => [l.T, l.samples])).toEqual([
      [4, 16],
      [4, 16],
    ]);
    await expect(nmnistFromFiles(files.slice(1), 4, { train: 10, test: 10 })).rejects.toThrow(
      /pick train1K\.txt/,
    );
    s.dispose();
  });

  it('rejects bad knobs and unknown learners with clear errors', () => {
    const { emit } = collect();
    expect(() => new DemoSession({ ...base, batchSize: 0 }, data, emit)).toThrow(
      /batchSize must be a positive integer, got 0/,
    );
    expect(() => new DemoSession({ ...base, learner: 'nope' }, data, emit)).toThrow(/unknown learner "nope"/);
  });

  const cliBin = resolve(repoRoot, 'apps/cli/dist/bin.js');
  const noCli = existsSync(cliBin) ? null : `${cliBin} is not built (pnpm --filter @synaptogen/cli build)`;
  if (noCli) console.warn(`[demo] skipping the CLI round trip: ${noCli}`);

  it.skipIf(noCli !== null)(
    'a demo checkpoint continues in `synaptogen train --resume` exactly like an uninterrupted CLI run',
    async () => {
      const config = {
        ...base,
        learnerOptions: { alpha: 0.002 },
        trainSamples: 384,
        seed: 3,
        evalEvery: 100,
      };
      const s = new DemoSession(config, data, () => {});
      await s.run();
      const { fileName, bytes } = await s.checkpoint();
      s.dispose();
      const tmp = mkdtempSync(join(tmpdir(), 'synaptogen-demo-'));
      const dir = join(tmp, fileName.replace(/\.zip$/, ''));
      mkdirSync(dir);
      for (const [name, data] of Object.entries(unzipSync(bytes)))
        if (!name.endsWith('/')) writeFileSync(join(tmp, name), data);
      const cli = (...args: string[]) => {
        const r = spawnSync(process.execPath, [cliBin, 'train', ...args, '--json', '-q'], {
          encoding: 'utf8',
          env: { ...process.env, SYNAPTOGEN_DATA: dataRoot },
        });
        expect(r.status, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as { history: { testAccuracy: number; connectivity: number }[] };
      };
      const resumed = cli('--resume', dir, '--epochs', '2');
      const uninterrupted = cli(
        ...['--model', 'gradr-mnist-mlp', '--learner', 'gradr', '--alpha', '0.002', '--epochs', '2'],
        ...['--batch-size', '64', '--lr', '0.002', '--timesteps', '4', '--train-limit', '384'],
        ...['--test-limit', '250', '--seed', '3', '--out', join(tmp, 'cli-run')],
      );
      // same data order, init and kernels: the browser session's epoch is the CLI's epoch, bit for bit
      expect(uninterrupted.history[0].testAccuracy).toBe(s.history[0].testAccuracy);
      expect(uninterrupted.history[0].connectivity).toBe(s.history[0].connectivity);
      expect(resumed.history.map((h) => [h.testAccuracy, h.connectivity])).toEqual(
        uninterrupted.history.map((h) => [h.testAccuracy, h.connectivity]),
      );
      expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).meta.run.completedEpochs).toBe(2);
      rmSync(tmp, { recursive: true, force: true });
    },
  );
});
