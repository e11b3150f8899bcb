import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Adam, createModel, initBackend, Trainer } from '@synaptogen/nn';
import {
  type ConvGeometry,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  type KernelInstance,
  loadKernels,
  measureSimdPeak,
  useWasmSimd,
} from '@synaptogen/wasm-simd';
import * as tf from '@tensorflow/tfjs-core';
import { peerDir, torchAvailable } from '../peer.js';
import { type BenchContext, type Benchmark, type BenchRecord, median } from '../record.js';
import { machineInfo, realBatch, timeWindow } from './wasm-common.js';

/**
 * PyTorch for the peer (Debian's python3-torch). When absent and this is a root Debian machine, it
 * is installed with apt-get, unless SYNAPTOGEN_BENCH_NO_INSTALL is set. Returns false when unusable.
 */
export function ensureTorch(ctx: BenchContext): boolean {
  if (torchAvailable()) return true;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get') || process.env.SYNAPTOGEN_BENCH_NO_INSTALL) {
    ctx.log('peer: python3-torch is missing (apt-get install -y python3-torch); PyTorch figures skipped');
    return false;
  }
  ctx.log('peer: installing python3-torch with apt-get (once)');
  const res = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-torch'], {
    stdio: 'ignore',
    timeout: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (res.status !== 0 || !torchAvailable()) {
    ctx.log('peer: apt-get install python3-torch failed; PyTorch figures skipped');
    return false;
  }
  return true;
}

/** sca-vgg-small's conv layers as one T·B = 4·32 batch (3×3, pad 1). */
const VGG_CONVS = [
  { name: 'conv2 32x32 64->128', hw: 32, ci: 64, co: 128 },
  { name: 'conv3 16x16 128->256', hw: 16, ci: 128, co: 256 },
  { name: 'conv4 8x8 256->256', hw: 8, ci: 256, co: 256 },
];

/** GFLOP/s of the dense conv gradient kernels on those shapes (2 flops per multiply-add). */
function kernelGflops(k: KernelInstance, batch: number): { name: string; filter: number; input: number }[] {
  return VGG_CONVS.map((c) => {
    const g: ConvGeometry = {
      batch,
      inH: c.hw,
      inW: c.hw,
      inC: c.ci,
      outH: c.hw,
      outW: c.hw,
      outC: c.co,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      padTop: 1,
      padLeft: 1,
    };
    const x = new Float32Array(batch * c.hw * c.hw * c.ci).map((_, i) => Math.sin(i));
    const dy = new Float32Array(batch * c.hw * c.hw * c.co).map((_, i) => Math.cos(i));
    const w = new Float32Array(9 * c.ci * c.co).map((_, i) => Math.sin(i * 0.7));
    const flops = 2 * batch * c.hw * c.hw * 9 * c.ci * c.co;
    conv2dBackpropFilter(k, x, dy, g);
    const filter = flops / timeWindow(() => conv2dBackpropFilter(k, x, dy, g), 2) / 1e9;
    conv2dBackpropInput(k, dy, w, g);
    const input = flops / timeWindow(() => conv2dBackpropInput(k, dy, w, g), 2) / 1e9;
    return { name: c.name, filter, input };
  });
}

interface PeerRow {
  model: string;
  optimizer: string;
  linear_impl: string;
  samples_per_s: number;
  train_macs_per_sample_exact: number;
}

/** One run of the peer's bench_train.py (one measured window per configuration). */
function peerWindow(ctx: BenchContext, only: 'mlp' | 'vgg', steps: number): PeerRow[] {
  const dir = peerDir(ctx);
  const args = [
    join(dir, 'bench_train.py'),
    '--mnist',
    join(ctx.dataRoot, 'mnist'),
    '--cifar',
    join(ctx.dataRoot, 'cifar10'),
    '--threads',
    '2',
    '--only',
    only,
    '--warmup',
    only === 'vgg' ? '1' : '3',
    '--steps',
    String(steps),
    '--vgg-steps',
    String(steps),
    '--repeats',
    '1',
  ];
  const res = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 24 });
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
  },
  {
    model: 'gradr-mnist-mlp',
    peer: 'mlp',
    dataset: 'mnist',
    T: 8,
    batch: 128,
    trainMacs: 1_446_400,
    goal: 1,
  },
];

/**
 * Training throughput with @synaptogen/wasm-simd vs the PyTorch peer (../shared/peer/bench_train.py,
 * 2 threads, every configuration it has), alternated window by window, never at the same time.
 * Also the machine's measured 128-bit wasm SIMD peak, for the GFLOP/s figures.
 */
export const wasmPeer: Benchmark = {
  name: 'wasm-vs-pytorch',
  description:
    'gradr-mnist-mlp and sca-vgg-small training throughput with wasm-simd vs PyTorch (alternated), GFLOP/s vs SIMD peak',
  async run(ctx) {
    await initBackend({ backend: 'wasm' });
    const reg = await useWasmSimd();
    const records: BenchRecord[] = [];
    const machine = machineInfo();
    const peak = measureSimdPeak(
      await loadKernels({ threads: reg.threads }),
      ctx.quick ? 5_000_000 : 20_000_000,
    );
    ctx.log(
      `128-bit wasm SIMD peak (mul+add): ${peak.gflopsPerThread.toFixed(1)} GFLOP/s per thread, ${peak.gflops.toFixed(1)} on ${peak.threads} threads`,
    );
    records.push({
      benchmark: 'wasm-vs-pytorch',
      metric: 'wasm SIMD-128 peak',
      value: peak.gflops,
      unit: 'GFLOP/s',
      // Nominal ceilings from the clock, assuming 2 f32x4 multiplies + 2 f32x4 adds per cycle (wasm SIMD
      // has no FMA) and, for native code on this CPU, 2 AVX-512 FMAs per cycle.
      config: {
        ...peak,
        ...machine,
        nominalWasmSimd128Gflops: machine.ghz ? machine.ghz * 16 * machine.cores : null,
        nominalAvx512FmaGflops: machine.ghz && machine.avx512 ? machine.ghz * 64 * machine.cores : null,
      },
    });
    const k = await loadKernels({ threads: reg.threads });
    for (const r of kernelGflops(k, 4 * 32)) {
      for (const kind of ['filter', 'input'] as const) {
        records.push({
          benchmark: 'wasm-vs-pytorch',
          metric: `kernel ${kind} gradient ${r.name}`,
          value: r[kind],
          unit: 'GFLOP/s',
          config: { batch: 128, simdPeakGflops: peak.gflops, fractionOfPeak: r[kind] / peak.gflops },
        });
      }
      ctx.log(
        `${r.name}: filter gradient ${r.filter.toFixed(1)}, input gradient ${r.input.toFixed(1)} GFLOP/s`,
      );
    }
    const torch = ensureTorch(ctx) && existsSync(join(peerDir(ctx), 'bench_train.py'));
    for (const c of CASES) {
      const heavy = c.model === 'sca-vgg-small';
      const steps = heavy ? 1 : ctx.quick ? 5 : 20;
      const peerSteps = heavy ? (ctx.quick ? 2 : 3) : ctx.quick ? 5 : 20;
      const windows = heavy ? (ctx.quick ? 1 : 2) : ctx.quick ? 2 : 3;
      const batch = await realBatch(c.dataset, c.batch, ctx.dataRoot);
      const model = createModel(c.model, { T: c.T, seed: 0 });
      const optimizer = new Adam(new Map(model.namedParameters()), { lr: 1e-3 });
      const trainer = new Trainer({ model, optimizer });
      trainer.trainStep(batch); // warm-up
      const ours: number[] = [];
      const peer = new Map<string, PeerRow[]>();
      for (let w = 0; w < windows; w++) {
        ours.push(c.batch / timeWindow(() => trainer.trainStep(batch), steps));
        ctx.log(`${c.model} wasm-simd window ${w + 1}: ${ours[w].toFixed(1)} samples/s`);
        if (!torch) continue;
        for (const row of peerWindow(ctx, c.peer, peerSteps)) {
          const key = `pytorch-${row.optimizer}-${row.linear_impl}`;
          peer.set(key, [...(peer.get(key) ?? []), row]);
        }
      }
      model.dispose();
      optimizer.dispose();
      tf.disposeVariables();
      const ourRate = median(ours);
      const gflops = (2 * c.trainMacs * ourRate) / 1e9;
      records.push({
        benchmark: 'wasm-vs-pytorch',
        metric: `${c.model}/wasm-simd`,
        value: ourRate,
        unit: 'samples/s',
        config: {
          T: c.T,
          batch: c.batch,
          optimizer: 'adam',
          stepsPerWindow: steps,
          windows: ours,
          gflops,
          simdPeakGflops: peak.gflops,
          threads: reg.threads,
        },
      });
      ctx.log(
        `${c.model} wasm-simd: ${ourRate.toFixed(1)} samples/s, ${gflops.toFixed(1)} GFLOP/s (peak ${peak.gflops.toFixed(1)})`,
      );
      let best: { key: string; rate: number } | null = null;
      for (const [key, rows] of peer) {
        const rate = median(rows.map((r) => r.samples_per_s));
        records.push({
          benchmark: 'wasm-vs-pytorch',
          metric: `${c.model}/${key}-t2`,
          value: rate,
          unit: 'samples/s',
          config: { windows: rows.map((r) => r.samples_per_s), gflops: (2 * c.trainMacs * rate) / 1e9 },
        });
        ctx.log(`${c.model} ${key}: ${rate.toFixed(1)} samples/s`);
        // The comparison is against the same optimizer (Adam) in PyTorch's fastest configuration.
        if (key.startsWith('pytorch-adam') && (!best || rate > best.rate)) best = { key, rate };
      }
      if (best) {
        records.push({
          benchmark: 'wasm-vs-pytorch',
          metric: `${c.model} ratio wasm-simd / ${best.key}`,
          value: ourRate / best.rate,
          unit: 'x',
          config: { ours: ourRate, peer: best.rate, goal: c.goal },
        });
        ctx.log(`${c.model}: ${(ourRate / best.rate).toFixed(2)}x ${best.key} (goal >= ${c.goal}x)`);
      }
    }
    reg.unregister();
    return records;
  },
};
