import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '@synaptogen/datasets/node';
import { modelTensors } from '@synaptogen/nn';
import { saveCheckpoint } from '@synaptogen/nn/node';
import type { Benchmark, BenchRecord } from '../record.js';
import {
  gapsToDense,
  measureOps,
  type RunSpec,
  scaKeepVariants,
  startBackend,
  trainRun,
} from './sca-common.js';

const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

/** Where the trained models go (read by sca-speedup); `runs/` is git-ignored. */
export const SCA_CIFAR_RUNS = resolve(fileURLToPath(import.meta.url), '../../runs/sca-cifar');

/**
 * CIFAR-10 (real files: the 10000 train images of data_batch_1, all 10000 test images) on the
 * `--preset sca-paper-2core` set-up: conv-small at full width (32-64-128 channels), T 4, SGD lr 0.05
 * momentum 0.9, ×0.1 from epoch 8 (--lr-step 7), L1 3e-5 on conv kernels, batch 64, crop + flip,
 * 10 epochs; dense vs SCA keeping 30% (p = 0.7) and 50% (p = 0.5) of the channels (q = 0.1), with
 * the paper's reference schedule and the practitioner's (SCA_PRACTICE), same model, seed and data
 * order, for each seed. Budget knobs: SCA_CIFAR_TRAIN, SCA_CIFAR_TEST, SCA_CIFAR_EPOCHS,
 * SCA_CIFAR_WIDTH, SCA_CIFAR_SEEDS ("1,2"); --quick: width 0.25, 2000 / 1000 images, 5 epochs (the practice schedule needs 5), seed 1.
 * SCA_VARIANTS selects runs. Goals (issue 15): dense > 55%; SCA 30% within 2 points, 50% within 1.
 */
export const scaCifar: Benchmark = {
  name: 'sca-cifar',
  description:
    'CIFAR-10 dense vs SCA at 30% and 50% of channels (conv-small full width, paper set-up, 2 seeds): accuracy, channels, parameters, SOPs, wall time',
  async run({ dataRoot, quick, log, simd }) {
    const { backend, threads } = await startBackend(simd);
    const trainCount = env('SCA_CIFAR_TRAIN', quick ? 2000 : 10000);
    const testCount = env('SCA_CIFAR_TEST', quick ? 1000 : 10000);
    const seeds = (process.env.SCA_CIFAR_SEEDS ?? (quick ? '1' : '1,2')).split(',').map(Number);
    const base: RunSpec = {
      model: 'conv-small',
      width: env('SCA_CIFAR_WIDTH', quick ? 0.25 : 1),
      epochs: env('SCA_CIFAR_EPOCHS', quick ? 5 : 10),
      batchSize: 64,
      lr: 0.05,
      lrStep: 7,
      seed: 1,
      sca: null,
      augment: true,
      l1: 3e-5,
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
    log(`cifar10 ${train.count} train / ${test.count} test, ${backend} (${threads} threads), seeds ${seeds}`);
    const records: BenchRecord[] = [];
    const accuracy = new Map<string, number[]>();
    for (const seed of seeds)
      for (const [variant, spec] of scaKeepVariants({ ...base, seed })) {
        const label = `${variant}/seed${seed}`;
        const t0 = performance.now();
        const r = await trainRun(spec, train, test, log, label);
        accuracy.set(variant, [...(accuracy.get(variant) ?? []), r.testAccuracy]);
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
        rec('wall time', config.wallSeconds, 's');
        log(
          `${label}: test acc ${(100 * r.testAccuracy).toFixed(2)}%, channels ${(100 * r.channelsKept).toFixed(1)}%, params ${r.parameters}/${r.parametersDense}, SOPs/sample ${(ops.sops / 1e6).toFixed(2)} M, ${r.trainSeconds.toFixed(0)} s`,
        );
        await saveCheckpoint(
          join(SCA_CIFAR_RUNS, variant, `seed${seed}`),
          r.model.config,
          modelTensors(r.model),
          {
            dataset: 'cifar10',
            variant: label,
            testAccuracy: r.testAccuracy,
          },
        );
        r.model.dispose();
      }
    // the claim: mean accuracy of each SCA variant against dense over the same seeds
    const goalOf = (variant: string) => (variant.startsWith('sca-30') ? 2 : 1);
    records.push(...gapsToDense('sca-cifar', accuracy, seeds, 'test accuracy', goalOf, log));
    return records;
  },
};
