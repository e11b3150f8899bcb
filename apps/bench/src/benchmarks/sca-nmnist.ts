import { loadDataset } from '@synaptogen/datasets/node';
import type { Benchmark, BenchRecord } from '../record.js';
import { measureOps, type RunSpec, scaVariants, startBackend, subset, trainRun } from './sca-common.js';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

/**
 * N-MNIST end to end through the DVS pipeline: the 1000 real recordings integrated into event frames
 * [T, 2, 34, 34], a seeded stratified 80/20 split (every 5th sample of each class held out), conv-small
 * with SCA at 30% channels kept, and the dense baseline with the same settings.
 */
export const scaNmnist: Benchmark = {
  name: 'sca-nmnist',
  description: 'N-MNIST (1000 real samples, event frames, 2 channels): SCA vs dense on a held-out 20%',
  async run({ dataRoot, quick, log, simd }) {
    const { backend, threads } = await startBackend(simd);
    const T = env('SCA_NMNIST_T', 5);
    const all = await loadDataset('nmnist', {
      dataDir: dataRoot,
      split: 'train',
      timesteps: T,
      cache: false,
    });
    const byClass = new Map<number, number[]>();
    for (let i = 0; i < all.count; i++)
      byClass.set(all.labels[i], [...(byClass.get(all.labels[i]) ?? []), i]);
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    for (const ids of byClass.values())
      for (const [k, s] of ids.entries()) (k % 5 === 4 ? testIdx : trainIdx).push(s);
    const train = subset(all, trainIdx);
    const test = subset(all, testIdx);
    log(
      `nmnist: ${train.count} train / ${test.count} held-out, frames [${T}, 2, ${all.height}, ${all.width}], ${backend} (${threads} threads)`,
    );
    const base: RunSpec = {
      model: 'conv-small',
      width: env('SCA_NMNIST_WIDTH', 0.25),
      epochs: env('SCA_NMNIST_EPOCHS', quick ? 1 : 2),
      batchSize: 32,
      lr: 0.05,
      seed: 0,
      sca: null,
      augment: false,
    };
    const records: BenchRecord[] = [];
    for (const [label, spec] of scaVariants(base)) {
      const r = await trainRun(spec, train, test, log, label);
      const ops = await measureOps(r.model, test, 200);
      const config = {
        ...spec,
        T,
        train: train.count,
        test: test.count,
        backend,
        threads,
        history: r.history,
      };
      const rec = (metric: string, value: number, unit: string) =>
        records.push({ benchmark: 'sca-nmnist', metric: `${label}/${metric}`, value, unit, config });
      rec('held-out accuracy', r.testAccuracy, 'fraction');
      rec('channels kept', r.channelsKept, 'fraction');
      rec('parameters (compacted)', r.parameters, 'count');
      rec('SOPs per sample', ops.sops, 'ops');
      rec('train time', r.trainSeconds, 's');
      r.model.dispose();
    }
    return records;
  },
};
