import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Adam, createModel, initBackend, Trainer } from '@synaptogen/nn';
import { createLearner, TrainingSession } from '@synaptogen/structure';
import {
  type KernelInstance,
  loadKernels,
  useWasmSimd,
  type WasmSimdRegistration,
} from '@synaptogen/wasm-simd';
import { type ConvGeometry, conv2dBackpropFilter, conv2dBackpropInput } from '@synaptogen/wasm-simd/kernels';
import { measureSimdPeak } from '@synaptogen/wasm-simd/tuning';
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

type Route = 'gemm' | 'winograd';
type KernelRates = Record<'filter' | 'input', Record<Route, number>>;

/**
 * GFLOP/s of the dense conv gradient kernels on those shapes (2 flops per multiply-add of the direct
 * conv): the im2col GEMM (real flops, comparable with the SIMD peak) and Winograd F(2×2, 3×3), which
 * does 2.25× fewer multiply-adds, so its figure is dense-equivalent and may exceed the peak.
 */
function kernelGflops(k: KernelInstance, batch: number): ({ name: string } & KernelRates)[] {
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
    const rate = (run: () => unknown) => {
      run();
      return flops / timeWindow(run, 2) / 1e9;
    };
    const rates = (winograd: boolean) => ({
      filter: rate(() => conv2dBackpropFilter(k, x, dy, g, undefined, { winograd })),
      input: rate(() => conv2dBackpropInput(k, dy, w, g, undefined, { winograd })),
    });
    const gemm = rates(false);
    const wino = rates(true);
    return {
      name: c.name,
      filter: { gemm: gemm.filter, winograd: wino.filter },
      input: { gemm: gemm.input, winograd: wino.input },
    };
  });
}

/** A uniform [0, 1) tensor with about `density` of its entries nonzero (1 = dense); seeded. */
function randomOperand(shape: [number, number], seed: number, density = 1, binary = false): tf.Tensor2D {
  let st = seed >>> 0;
  const next = () => {
    st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
    return st / 2 ** 32;
  };
  const v = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < v.length; i++) {
    const u = next();
    v[i] = u < density ? (binary ? 1 : next()) : 0;
  }
  return tf.tensor2d(v, shape);
}

/**
 * gradr-mnist-mlp's five products per training step (batch 128, T = 8), stock tfjs-wasm BatchMatMul
 * vs ours, alternated window by window (the registration is toggled): on a real MNIST batch (~19% of
 * pixels nonzero) with binary spikes at 10%, and on dense uniform operands (our GEMM path).
 */
async function matMulShapes(ctx: BenchContext, threads: number): Promise<BenchRecord[]> {
  const batch = await realBatch('mnist', 128, ctx.dataRoot);
  const inputs: Record<string, tf.Tensor2D> = {
    'x (MNIST)': tf.tensor2d(batch.inputs, [128, 784]),
    'x (dense)': randomOperand([128, 784], 1),
    's (spikes 10%)': randomOperand([1024, 800], 2, 0.1, true),
    's (dense)': randomOperand([1024, 800], 3),
  };
  const w1 = randomOperand([784, 800], 4);
  const dh = randomOperand([128, 800], 5);
  const w2 = randomOperand([800, 10], 6);
  const dy = randomOperand([1024, 10], 7);
  const cases: { name: string; a: tf.Tensor2D; b: tf.Tensor2D; ta: boolean; tb: boolean }[] = [];
  for (const x of ['x (MNIST)', 'x (dense)']) {
    cases.push({ name: `${x}·W1 [128×784]·[784×800]`, a: inputs[x], b: w1, ta: false, tb: false });
    cases.push({ name: `${x}ᵀ·dH (dW1) [784×128]·[128×800]`, a: inputs[x], b: dh, ta: true, tb: false });
  }
  for (const sp of ['s (spikes 10%)', 's (dense)']) {
    cases.push({ name: `${sp}·W2 [1024×800]·[800×10]`, a: inputs[sp], b: w2, ta: false, tb: false });
    cases.push({ name: `${sp}ᵀ·dY (dW2) [800×1024]·[1024×10]`, a: inputs[sp], b: dy, ta: true, tb: false });
  }
  cases.push({ name: 'dY·W2ᵀ (dS) [1024×10]·[10×800], dY dense', a: dy, b: w2, ta: false, tb: true });
  const ms = new Map<string, { ours: number[]; stock: number[] }>(
    cases.map((c) => [c.name, { ours: [], stock: [] }]),
  );
  const time = (c: (typeof cases)[number]) => {
    tf.matMul(c.a, c.b, c.ta, c.tb).dispose(); // warm-up
    return 1000 * timeWindow(() => tf.matMul(c.a, c.b, c.ta, c.tb).dataSync(), ctx.quick ? 3 : 6);
  };
  let reg: WasmSimdRegistration | null = null;
  for (let w = 0; w < (ctx.quick ? 2 : 3); w++) {
    for (const side of ['ours', 'stock'] as const) {
      if (side === 'ours') reg = await useWasmSimd({ threads });
      for (const c of cases) ms.get(c.name)?.[side].push(time(c));
      if (side === 'ours') reg?.unregister();
    }
  }
  tf.dispose([...Object.values(inputs), w1, dh, w2, dy]);
  return cases.map((c) => {
    const t = ms.get(c.name) as { ours: number[]; stock: number[] };
    const ours = median(t.ours);
    const stock = median(t.stock);
    const gflops = (millis: number) => (2 * c.a.size * (c.tb ? c.b.shape[0] : c.b.shape[1])) / millis / 1e6;
    ctx.log(
      `BatchMatMul ${c.name}: stock ${stock.toFixed(2)} ms (${gflops(stock).toFixed(1)} GFLOP/s), wasm-simd ${ours.toFixed(2)} ms (${gflops(ours).toFixed(1)} dense-equivalent GFLOP/s), ${(stock / ours).toFixed(1)}x`,
    );
    return {
      benchmark: 'wasm-vs-pytorch',
      metric: `BatchMatMul ${c.name} speed-up`,
      value: stock / ours,
      unit: 'x',
      config: {
        stockMs: stock,
        oursMs: ours,
        stockWindows: t.stock,
        oursWindows: t.ours,
        gflopsStock: gflops(stock),
        gflopsOurs: gflops(ours),
        threads,
      },
    };
  });
}

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
 * Also the machine's measured 128-bit wasm SIMD peak, for the GFLOP/s figures (dense-equivalent:
 * the peer's dense MAC count × samples/s, though our kernels skip zeros).
 */
export const wasmPeer: Benchmark = {
  name: 'wasm-vs-pytorch',
  description:
    'gradr-mnist-mlp (Adam, Grad R) and sca-vgg-small training throughput with wasm-simd vs PyTorch (alternated), GFLOP/s vs SIMD peak',
  async run(ctx) {
    await initBackend({ backend: 'wasm' });
    let reg = await useWasmSimd();
    const defaultThreads = reg.threads;
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
          value: r[kind].gemm,
          unit: 'GFLOP/s',
          config: {
            batch: 128,
            route: 'im2col GEMM',
            simdPeakGflops: peak.gflops,
            fractionOfPeak: r[kind].gemm / peak.gflops,
          },
        });
        records.push({
          benchmark: 'wasm-vs-pytorch',
          metric: `kernel ${kind} gradient ${r.name} winograd`,
          value: r[kind].winograd,
          unit: 'dense-equivalent GFLOP/s',
          config: {
            batch: 128,
            route: 'Winograd F(2x2,3x3)',
            speedupOverGemm: r[kind].winograd / r[kind].gemm,
          },
        });
      }
      ctx.log(
        `${r.name}: im2col GEMM filter gradient ${r.filter.gemm.toFixed(1)}, input gradient ${r.input.gemm.toFixed(1)} GFLOP/s; ` +
          `Winograd ${r.filter.winograd.toFixed(1)}, ${r.input.winograd.toFixed(1)} dense-equivalent GFLOP/s`,
      );
    }
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
    records.push(...(await matMulShapes(ctx, defaultThreads)));
    return records;
  },
};
