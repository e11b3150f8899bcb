import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Batch, batches } from '../batching.js';
import { DATA_ROOT, REPO_ROOT } from '../test/dataRoot.js';
import type { ImageDataset } from '../types.js';
import { loadCifar } from './cifar.js';
import { workerBatches } from './workerBatches.js';

// The worker runs the built script (vitest cannot start a worker on TypeScript): `pnpm build` first.
const workerUrl = new URL('packages/datasets/dist/batchWorker.js', `file://${REPO_ROOT}/`);

let ds: ImageDataset;
beforeAll(async () => {
  if (!fs.existsSync(workerUrl))
    throw new Error(`${workerUrl.pathname} is missing: run \`pnpm build\` in packages/datasets first`);
  ds = await loadCifar({ dataDir: DATA_ROOT, split: 'test', limit: 1000 });
});

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

describe('workerBatches', () => {
  it('yields exactly the batches of batches() (same seed, augmentation, order)', async () => {
    const o = { batchSize: 96, seed: 4, epoch: 2, augment: { cropPadding: 4, flip: true }, normalize: true };
    const mine: Batch[] = [];
    for await (const b of batches(ds, o)) mine.push(b);
    const theirs: Batch[] = [];
    for await (const b of workerBatches(ds, { ...o, workerUrl })) theirs.push(b);
    expect(theirs.map((b) => b.shape)).toEqual(mine.map((b) => b.shape));
    for (const [i, b] of theirs.entries()) {
      expect(Buffer.from(b.inputs.buffer).equals(Buffer.from(mine[i].inputs.buffer))).toBe(true);
      expect(b.labels).toEqual(mine[i].labels);
      expect(b.indices).toEqual(mine[i].indices);
    }
  });

  it('assembles the next batch while the main thread is blocked in a synchronous step', async () => {
    // Poisson spikes for 250 images x 10 steps: ~8M random draws, a batch that takes a while to build.
    const o = { batchSize: 250, seed: 1, encoding: 'poisson', timesteps: 10 } as const;
    const waitAfterStep = async (it: AsyncGenerator<Batch>) => {
      await it.next();
      busy(2500); // a synchronous "training step": the event loop is stuck, a worker is not
      const t0 = performance.now();
      const second = await it.next();
      const waited = performance.now() - t0;
      expect(second.value?.shape).toEqual([10, 250, 3, 32, 32]);
      await it.return(undefined);
      return waited;
    };
    const inThread = await waitAfterStep(batches(ds, o));
    const inWorker = await waitAfterStep(workerBatches(ds, { ...o, workerUrl }));
    // In-thread prefetch can only start once the step yields; the worker built it during the step.
    expect(inThread).toBeGreaterThan(40);
    expect(inWorker).toBeLessThan(inThread / 2);
  });

  it('rejects bad options before starting a worker, and stops the worker on early exit', async () => {
    await expect(workerBatches(ds, { batchSize: 0, workerUrl }).next()).rejects.toThrow(/batchSize 0/);
    for await (const b of workerBatches(ds, { batchSize: 10, workerUrl })) {
      expect(b.labels.length).toBe(10);
      break; // the generator's finally terminates the worker; vitest would hang on a live one
    }
  });
});
