import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '@synaptogen/datasets/node';
import { modelTensors } from '@synaptogen/nn';
import { saveCheckpoint } from '@synaptogen/nn/node';
import type { Benchmark, BenchRecord } from '../record.js';
import { measureOps, type RunSpec, scaVariants, startBackend, trainRun } from './sca-common.js';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

/** Where the trained models go (read by sca-speedup); `runs/` is git-ignored. */
export const SCA_CIFAR_RUNS = resolve(fileURLToPath(import.meta.url), '../../runs/sca-cifar');

/**
 * CIFAR-10 (real files: the 10000 train images of data_batch_1, all 10000 test images), dense vs SCA at 30% channels
 * kept, same model, epochs, seed and data order. Budget knobs: SCA_CIFAR_TRAIN, SCA_CIFAR_TEST,
 * SCA_CIFAR_EPOCHS, SCA_CIFAR_WIDTH (defaults: ~25 min per variant on a shared 2-core machine; --quick:
 * 2000 images, 2 epochs). SCA_VARIANTS selects runs (they can run as parallel processes).
 */
export const scaCifar: Benchmark = {
  name: 'sca-cifar',
  description:
    'CIFAR-10 dense vs SCA (p = 0.7, q = 0.1; soft and hard masks) on conv-small: accuracy, channels, parameters, SOPs',
  async run({ dataRoot, quick, log }) {
    const { backend, threads } = await startBackend();
    const trainCount = env('SCA_CIFAR_TRAIN', quick ? 2000 : 10000);
    const testCount = env('SCA_CIFAR_TEST', quick ? 1000 : 10000);
    const base: RunSpec = {
      model: 'conv-small',
      width: env('SCA_CIFAR_WIDTH', 0.25),
      epochs: env('SCA_CIFAR_EPOCHS', quick ? 2 : 3),
      batchSize: 32,
      lr: 0.05,
      seed: 0,
      sca: null,
      augment: true,
    };
    const [train, test] = await Promise.all([
      loadDataset('cifar10', {
        dataDir: dataRoot,
        split: 'train',
        limit: trainCount,
        allowMissingBatches: true,
      }),
      loadDataset('cifar10', { dataDir: dataRoot, split: 'test', limit: testCount }),
    ]);
    log(`cifar10 ${train.count} train / ${test.count} test, ${backend} (${threads} threads)`);
    const records: BenchRecord[] = [];
    for (const [label, spec] of scaVariants(base)) {
      const t0 = performance.now();
      const r = await trainRun(spec, train, test, log, label);
      const ops = await measureOps(r.model, test, 1000);
      const config = {
        ...spec,
        train: train.count,
        test: test.count,
        backend,
        threads,
        wallSeconds: (performance.now() - t0) / 1000,
        history: r.history,
      };
      const rec = (metric: string, value: number, unit: string) =>
        records.push({ benchmark: 'sca-cifar', metric: `${label}/${metric}`, value, unit, config });
      rec('test accuracy', r.testAccuracy, 'fraction');
      rec('channels kept', r.channelsKept, 'fraction');
      rec('parameters (compacted)', r.parameters, 'count');
      rec('parameters kept', r.parameters / r.parametersDense, 'fraction');
      rec('SOPs per sample', ops.sops, 'ops');
      rec('first-layer MACs per sample', ops.macs, 'ops');
      rec('train time', r.trainSeconds, 's');
      log(
        `${label}: test acc ${(100 * r.testAccuracy).toFixed(2)}%, channels ${(100 * r.channelsKept).toFixed(1)}%, params ${r.parameters}/${r.parametersDense}, SOPs/sample ${(ops.sops / 1e6).toFixed(2)} M, ${r.trainSeconds.toFixed(0)} s`,
      );
      await saveCheckpoint(join(SCA_CIFAR_RUNS, label), r.model.config, modelTensors(r.model), {
        dataset: 'cifar10',
        variant: label,
        testAccuracy: r.testAccuracy,
      });
      r.model.dispose();
    }
    return records;
  },
};
