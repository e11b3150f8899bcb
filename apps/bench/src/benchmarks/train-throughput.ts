import { loadDataset } from '@synaptogen/datasets/node';
import { Adam, type Batch, createModel, initBackend, Trainer } from '@synaptogen/nn';
import * as tf from '@tensorflow/tfjs-core';
import { peerTrainThroughput } from '../peer.js';
import { type Benchmark, type BenchRecord, median } from '../record.js';

interface Case {
  model: string;
  dataset: 'mnist' | 'cifar10';
  T: number;
  batch: number;
}

const CASES: Case[] = [
  { model: 'gradr-mnist-mlp', dataset: 'mnist', T: 8, batch: 128 },
  { model: 'conv-small', dataset: 'cifar10', T: 4, batch: 64 },
  { model: 'sca-vgg-small', dataset: 'cifar10', T: 4, batch: 64 },
];

/** Steps timed per window and windows per case; the cpu backend is 10–50× slower, so it gets fewer. */
function plan(c: Case, backend: string, quick: boolean): { steps: number; windows: number; batch: number } {
  const heavy = c.model === 'sca-vgg-small';
  if (backend === 'cpu') return { steps: 1, windows: 1, batch: heavy ? 8 : c.batch };
  // The BPTT tape of sca-vgg-small holds ~58 MB per sample (measured wasm heap: 0.64 GB at batch 8,
  // 2.1 GB at 32, 3.94 GB at 64); wasm32 stops at 4 GB, so batch 64 is one allocation from an abort.
  if (heavy) return { steps: quick ? 1 : 2, windows: quick ? 1 : 2, batch: 32 };
  return { steps: quick ? 5 : 20, windows: quick ? 1 : 3, batch: c.batch };
}

/** Real batches (normalised CIFAR or [0, 1] MNIST pixels) from the data root. */
async function realBatch(c: Case, batch: number, dataRoot: string): Promise<Batch> {
  const ds = await loadDataset(c.dataset, {
    dataDir: dataRoot,
    split: 'train',
    limit: batch,
    allowMissingBatches: true,
  });
  const chw = ds.channels * ds.height * ds.width;
  const inputs = new Float32Array(batch * chw);
  const mean = ds.mean ?? [0, 0, 0];
  const std = ds.std ?? [1, 1, 1];
  const norm = ds.channels === 3;
  for (let i = 0; i < batch * chw; i++) {
    const ch = Math.floor((i % chw) / (ds.height * ds.width));
    const v = (ds.images[i] as number) / 255;
    inputs[i] = norm ? (v - mean[ch]) / std[ch] : v;
  }
  return { inputs, shape: [batch, ds.channels, ds.height, ds.width], labels: ds.labels.slice(0, batch) };
}

export const trainThroughput: Benchmark = {
  name: 'train-throughput',
  description:
    'training samples/s (forward + BPTT backward + Adam) of the reference models on the wasm and cpu backends',
  async run(ctx) {
    const records: BenchRecord[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      await initBackend({ backend });
      for (const c of CASES) {
        const p = plan(c, backend, ctx.quick);
        const batch = await realBatch(c, p.batch, ctx.dataRoot);
        const model = createModel(c.model, { T: c.T, seed: 0 });
        const optimizer = new Adam(new Map(model.namedParameters()), { lr: 1e-3 });
        const trainer = new Trainer({ model, optimizer });
        trainer.trainStep(batch); // warm-up: kernels compiled, buffers allocated
        const rates: number[] = [];
        for (let w = 0; w < p.windows; w++) {
          const t0 = performance.now();
          for (let s = 0; s < p.steps; s++) trainer.trainStep(batch);
          rates.push((p.steps * p.batch) / ((performance.now() - t0) / 1000));
        }
        const value = median(rates);
        const config = {
          model: c.model,
          backend,
          T: c.T,
          batch: p.batch,
          stepsPerWindow: p.steps,
          windows: p.windows,
          windowRates: rates,
        };
        records.push({
          benchmark: 'train-throughput',
          metric: `${c.model}/${backend}`,
          value,
          unit: 'samples/s',
          config,
        });
        ctx.log(`${c.model} on ${backend}: ${value.toFixed(1)} samples/s (batch ${p.batch}, T ${c.T})`);
        model.dispose();
        optimizer.dispose();
        tf.disposeVariables();
      }
    }
    if (ctx.peer) {
      const peer = await peerTrainThroughput(ctx);
      records.push(...peer);
      const ours = records.find((r) => r.metric === 'gradr-mnist-mlp/wasm')?.value;
      for (const r of peer) {
        if (ours && r.metric.startsWith('gradr-mnist-mlp')) {
          records.push({
            benchmark: 'train-throughput',
            metric: `ratio wasm / ${r.metric}`,
            value: ours / r.value,
            unit: 'x',
            config: { ours, peer: r.value },
          });
        }
      }
      const vgg = records.find((r) => r.metric === 'sca-vgg-small/wasm')?.value;
      for (const r of peer) {
        if (vgg && r.metric.startsWith('sca-vgg-small')) {
          records.push({
            benchmark: 'train-throughput',
            metric: `ratio wasm / ${r.metric}`,
            value: vgg / r.value,
            unit: 'x',
            config: { ours: vgg, peer: r.value },
          });
        }
      }
    }
    return records;
  },
};
