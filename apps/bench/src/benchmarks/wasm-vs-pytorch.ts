import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Adam, createModel, initBackend, Trainer } from '@synaptogen/nn';
import { createLearner, TrainingSession } from '@synaptogen/structure';
import { useWasmSimd } from '@synaptogen/wasm-simd';
import * as tf from '@tensorflow/tfjs-core';
import { ensureTorch, peerDir } from '../peer.js';
import { type BenchContext, type Benchmark, type BenchRecord, median } from '../record.js';
import { realBatch, timeWindow } from './wasm-common.js';
import { simdPeak } from './wasm-peer-common.js';

interface PeerRow {
  model: string;
  optimizer: string;
  linear_impl: string;
  threads: number;
  samples_per_s: number;
  train_macs_per_sample_exact: number;
}

/**
 * glibc malloc settings that keep PyTorch's large activations off mmap/munmap (../shared/peer/RESULTS.md,
 * "glibc malloc variant"): without them every VGG step page-faults ~1.9 GB of fresh memory, and
 * sca-vgg-small ran at 19 samples/s instead of 30 here. Part of PyTorch's fastest configuration.
 */
const NO_MMAP_MALLOC = {
  MALLOC_MMAP_MAX_: '0',
  MALLOC_TRIM_THRESHOLD_: '100000000000',
  MALLOC_TOP_PAD_: '1073741824',
};
type PeerMalloc = 'default' | 'no-mmap';

/**
 * One run of the peer's bench_train.py (one measured window per configuration), with glibc's default
 * malloc or the no-mmap settings. The MLP also runs on 1 thread: under other processes' load
 * PyTorch's 2-thread pool can fall far below its 1-thread speed, and the comparison is with its
 * fastest configuration.
 */
function peerWindow(ctx: BenchContext, only: 'mlp' | 'vgg', steps: number, malloc: PeerMalloc): PeerRow[] {
  const dir = peerDir(ctx);
  const args = [
    join(dir, 'bench_train.py'),
    '--mnist',
    join(ctx.dataRoot, 'mnist'),
    '--cifar',
    join(ctx.dataRoot, 'cifar10'),
    '--threads',
    only === 'mlp' ? '2,1' : '2',
    '--only',
    only,
    // two VGG warm-up steps: the first ones allocate (and, with the default malloc, fault) the arena
    '--warmup',
    only === 'vgg' ? '2' : '3',
    '--steps',
    String(steps),
    '--vgg-steps',
    String(steps),
    '--repeats',
    '1',
    // --quick: oneDNN only (Debian's reference-BLAS nn.Linear was 5–10× slower in every run), which
    // keeps the run under 5 minutes when other jobs make PyTorch's 2-thread pool crawl
    ...(ctx.quick ? ['--linear-impls', 'onednn'] : []),
  ];
  const env = malloc === 'no-mmap' ? { ...process.env, ...NO_MMAP_MALLOC } : process.env;
  const res = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', cwd: dir, env, maxBuffer: 1 << 24 });
  if (res.status !== 0) throw new Error(`bench: ${args[0]} failed: ${res.stderr.slice(-500)}`);
  return res.stdout
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('samples_per_s'))
    .map((l) => JSON.parse(l) as PeerRow);
}

interface Case {
  model: 'gradr-mnist-mlp' | 'sca-vgg-small';
  peer: 'mlp' | 'vgg';
  dataset: 'mnist' | 'cifar10';
  T: number;
  batch: number;
  /** Dense training multiply-adds per sample (the peer's exact count, RESULTS.md). */
  trainMacs: number;
  goal: number;
  /** Optimizers run on both sides: dense Adam, and Grad R on top of Adam as `synaptogen train` uses it. */
  optimizers: Optimizer[];
}

type Optimizer = 'adam' | 'gradr';

// The peer's bench_train.py default: Grad R's prior rate α = 1e-3, applied with lr·α.
const GRADR_OPTIONS = { alpha: 1e-3, priorStep: 'lr' };

/** A trainer for one case and optimizer, wired as `synaptogen train` wires it. */
function makeTrainer(c: Case, optimizer: Optimizer): { trainer: Trainer; dispose: () => void } {
  const model = createModel(c.model, { T: c.T, seed: 0 });
  if (optimizer === 'adam') {
    const adam = new Adam(new Map(model.namedParameters()), { lr: 1e-3 });
    return {
      trainer: new Trainer({ model, optimizer: adam }),
      dispose: () => {
        adam.dispose();
        model.dispose();
      },
    };
  }
  const session = new TrainingSession({
    model,
    learner: createLearner('gradr', GRADR_OPTIONS),
    optimizer: (params) => new Adam(params, { lr: 1e-3 }),
    lr: 1e-3,
    totalSteps: 1000,
  });
  return { trainer: session.trainer, dispose: () => session.dispose() };
}

// sca-vgg-small first, on a fresh tfjs heap. Batch 32 on our side: its BPTT tape at 64 needs ~3.9 GB,
// at the 4 GB wasm32 heap limit (the peer runs 64; samples/s is compared).
const CASES: Case[] = [
  {
    model: 'sca-vgg-small',
    peer: 'vgg',
    dataset: 'cifar10',
    T: 4,
    batch: 32,
    trainMacs: 2_268_954_624,
    goal: 0.5,
    optimizers: ['adam'],
  },
  {
    model: 'gradr-mnist-mlp',
    peer: 'mlp',
    dataset: 'mnist',
    T: 8,
    batch: 128,
    trainMacs: 1_446_400,
    goal: 1,
    optimizers: ['adam', 'gradr'],
  },
];

/**
 * Training throughput with @synaptogen/wasm-simd vs the PyTorch peer (../shared/peer/bench_train.py,
 * 2 threads, every configuration it has, with glibc's default malloc and with the no-mmap settings),
 * alternated window by window, never at the same time.
 * gradr-mnist-mlp runs dense Adam and Grad R (structure's GradR on Adam, as `synaptogen train`
 * wires it) on both sides; each is compared with the same optimizer's fastest PyTorch configuration.
 * GFLOP/s are dense-equivalent (the peer's dense MAC count × samples/s, though our kernels skip
 * zeros), beside the machine's measured SIMD peak (`wasm-simd-peak`).
 */
export const wasmVsPytorch: Benchmark = {
  name: 'wasm-vs-pytorch',
  description:
    'gradr-mnist-mlp (Adam, Grad R) and sca-vgg-small training throughput with wasm-simd vs PyTorch (alternated)',
  async run(ctx) {
    await initBackend({ backend: 'wasm' });
    let reg = await useWasmSimd();
    const defaultThreads = reg.threads;
    const records: BenchRecord[] = [];
    const peak = await simdPeak(ctx, defaultThreads);
    const torch = ensureTorch(ctx) && existsSync(join(peerDir(ctx), 'bench_train.py'));
    for (const c of CASES) {
      const heavy = c.model === 'sca-vgg-small';
      const steps = heavy ? (ctx.quick ? 1 : 2) : ctx.quick ? 10 : 20;
      // VGG: 8 steps a window (~20 s); 3 steps after 1 warm-up measured PyTorch 25% low (14.6 vs 19.4)
      const peerSteps = heavy ? (ctx.quick ? 3 : 8) : ctx.quick ? 8 : 20;
      // the MLP's windows are short: three even in --quick, so that the median drops one hit by load
      const windows = heavy ? (ctx.quick ? 1 : 3) : ctx.quick ? 3 : 5;
      const batch = await realBatch(c.dataset, c.batch, ctx.dataRoot);
      // Both sides in each of their thread counts (the MLP also on 1 thread, as the peer), so that the
      // ratio compares fastest configurations whatever the machine's load.
      const threadCounts = heavy ? [defaultThreads] : [...new Set([defaultThreads, 1])];
      const trainers = c.optimizers.map((o) => ({ optimizer: o, ...makeTrainer(c, o) }));
      const runs = threadCounts.flatMap((threads) =>
        trainers.map((t) => ({ ...t, threads, rates: [] as number[] })),
      );
      for (const t of trainers) t.trainer.trainStep(batch); // warm-up
      const peer = new Map<string, PeerRow[]>();
      // 1-minute load average at each window: other processes on this shared VM slow both sides
      // (PyTorch's thread pool far more than ours), so a ratio is only meaningful on a quiet machine.
      const load: number[] = [];
      for (let w = 0; w < windows; w++) {
        load.push(os.loadavg()[0]);
        for (const r of runs) {
          if (reg.threads !== r.threads) {
            reg.unregister();
            reg = await useWasmSimd({ threads: r.threads });
          }
          r.rates.push(c.batch / timeWindow(() => r.trainer.trainStep(batch), steps));
          ctx.log(
            `${c.model} wasm-simd ${r.optimizer} ${r.threads} thread(s) window ${w + 1}: ${r.rates[w].toFixed(1)} samples/s (load average ${load[w].toFixed(1)})`,
          );
        }
        if (!torch) continue;
        for (const malloc of ['default', 'no-mmap'] as const) {
          for (const row of peerWindow(ctx, c.peer, peerSteps, malloc)) {
            const key = `pytorch-${row.optimizer}-${row.linear_impl}-t${row.threads}${malloc === 'no-mmap' ? '-nommap' : ''}`;
            peer.set(key, [...(peer.get(key) ?? []), row]);
          }
        }
      }
      for (const t of trainers) t.dispose();
      tf.disposeVariables();
      if (reg.threads !== defaultThreads) {
        reg.unregister();
        reg = await useWasmSimd();
      }
      for (const [key, rows] of peer) {
        const rate = median(rows.map((r) => r.samples_per_s));
        records.push({
          benchmark: 'wasm-vs-pytorch',
          metric: `${c.model}/${key}`,
          value: rate,
          unit: 'samples/s',
          config: {
            windows: rows.map((r) => r.samples_per_s),
            gflops: (2 * c.trainMacs * rate) / 1e9,
            loadAverage1m: load,
          },
        });
        ctx.log(`${c.model} ${key}: ${rate.toFixed(1)} samples/s`);
      }
      const bestOurs = new Map<Optimizer, { label: string; rate: number }>();
      for (const r of runs) {
        const ourRate = median(r.rates);
        const gflops = (2 * c.trainMacs * ourRate) / 1e9;
        const label = `${r.optimizer === 'adam' ? 'wasm-simd' : `wasm-simd-${r.optimizer}`}-t${r.threads}`;
        const prev = bestOurs.get(r.optimizer);
        if (!prev || ourRate > prev.rate) bestOurs.set(r.optimizer, { label, rate: ourRate });
        records.push({
          benchmark: 'wasm-vs-pytorch',
          metric: `${c.model}/${label}`,
          value: ourRate,
          unit: 'samples/s',
          config: {
            T: c.T,
            batch: c.batch,
            optimizer: r.optimizer,
            ...(r.optimizer === 'gradr' ? { gradr: GRADR_OPTIONS } : {}),
            stepsPerWindow: steps,
            windows: r.rates,
            gflops,
            simdPeakGflops: peak.gflops,
            threads: r.threads,
            loadAverage1m: load,
          },
        });
        ctx.log(
          `${c.model} ${label}: ${ourRate.toFixed(1)} samples/s, ${gflops.toFixed(1)} dense-equivalent GFLOP/s (peak ${peak.gflops.toFixed(1)})`,
        );
      }
      // Each optimizer: our fastest configuration against PyTorch's fastest with the same optimizer.
      for (const [optimizer, ours] of bestOurs) {
        let best: { key: string; rate: number } | null = null;
        for (const [key, rows] of peer) {
          const rate = median(rows.map((row) => row.samples_per_s));
          if (key.startsWith(`pytorch-${optimizer}-`) && (!best || rate > best.rate)) best = { key, rate };
        }
        if (!best) continue;
        records.push({
          benchmark: 'wasm-vs-pytorch',
          metric: `${c.model} ratio ${ours.label} / ${best.key}`,
          value: ours.rate / best.rate,
          unit: 'x',
          config: { ours: ours.rate, peer: best.rate, goal: c.goal, loadAverage1m: load },
        });
        ctx.log(
          `${c.model} ${optimizer}: ${(ours.rate / best.rate).toFixed(2)}x (${ours.label} / ${best.key}; goal >= ${c.goal}x)`,
        );
      }
    }
    reg.unregister();
    return records;
  },
};
