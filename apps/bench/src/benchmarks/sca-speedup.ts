import { join } from 'node:path';
import { loadDataset } from '@synaptogen/datasets/node';
import { restoreModel } from '@synaptogen/nn';
import { loadCheckpoint } from '@synaptogen/nn/node';
import * as tf from '@tensorflow/tfjs-core';
import type { Benchmark, BenchRecord } from '../record.js';
import { SCA_CIFAR_RUNS } from './sca-cifar.js';
import { compactModel, startBackend, testBatches, timePredict } from './sca-common.js';

/**
 * Inference time of the SCA model from `sca-cifar` (masked: full width, zero channels) against its
 * compacted copy, side by side on the same real test batch; also checks that both give the same
 * logits. Run under the CPU lock: it is a timing benchmark.
 */
export const scaSpeedup: Benchmark = {
  name: 'sca-speedup',
  description: 'SCA compacted vs masked model: inference time on 200 real CIFAR-10 test images',
  async run({ dataRoot, quick, log, simd }) {
    const { backend, threads } = await startBackend(simd);
    const dir = join(SCA_CIFAR_RUNS, 'sca-30', 'seed1');
    const data = await loadCheckpoint(dir).catch((e: Error) => {
      throw new Error(`sca-speedup needs the SCA model of sca-cifar (run it first): ${e.message}`);
    });
    const masked = restoreModel(dir, data);
    const c = compactModel(masked);
    const test = await loadDataset('cifar10', { dataDir: dataRoot, split: 'test', limit: 200 });
    const { value: b } = await testBatches(test)[Symbol.asyncIterator]().next();
    const x = tf.tensor(b.inputs, b.shape);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(masked.predict(x), c.model.predict(x)))).dataSync()[0]);
    const repeats = quick ? 3 : 7;
    const tMasked: number[] = [];
    const tCompact: number[] = [];
    // interleaved so both see the same machine load
    for (let round = 0; round < 3; round++) {
      tMasked.push(timePredict(masked, x, repeats));
      tCompact.push(timePredict(c.model, x, repeats));
    }
    const med = (v: number[]) => [...v].sort((a, z) => a - z)[v.length >> 1];
    const config = {
      backend,
      threads,
      batch: b.labels.length,
      repeats,
      channels: c.channels,
      maxLogitDiff: diff,
    };
    log(
      `masked ${med(tMasked).toFixed(3)} s, compacted ${med(tCompact).toFixed(3)} s per 200 images; max |Δlogit| ${diff}`,
    );
    const records: BenchRecord[] = [
      {
        benchmark: 'sca-speedup',
        metric: 'masked inference',
        value: med(tMasked),
        unit: 's/200 images',
        config,
      },
      {
        benchmark: 'sca-speedup',
        metric: 'compacted inference',
        value: med(tCompact),
        unit: 's/200 images',
        config,
      },
      {
        benchmark: 'sca-speedup',
        metric: 'speed-up',
        value: med(tMasked) / med(tCompact),
        unit: 'x',
        config,
      },
      { benchmark: 'sca-speedup', metric: 'max |logit difference|', value: diff, unit: 'abs', config },
      {
        benchmark: 'sca-speedup',
        metric: 'parameters kept',
        value: c.parametersAfter / c.parametersBefore,
        unit: 'fraction',
        config,
      },
    ];
    masked.dispose();
    c.model.dispose();
    x.dispose();
    return records;
  },
};
