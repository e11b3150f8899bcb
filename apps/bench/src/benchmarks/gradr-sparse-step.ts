import { Adam, createModel } from '@synaptogen/nn';
import { createLearner, TrainingSession } from '@synaptogen/structure';
import { useWasmSimd } from '@synaptogen/wasm-simd';
import { sparseWeightCalls } from '@synaptogen/wasm-simd/tuning';
import * as tf from '@tensorflow/tfjs-core';
import { startBenchEngine } from '../engine.js';
import { type Benchmark, type BenchRecord, median } from '../record.js';
import { realBatch } from './wasm-common.js';

const CONNECTIVITY = 0.1;
const BATCH = 128;
const STEPS_PER_WINDOW = 4;
const PRUNED_DEPTH = 0.25;

/**
 * Leaves the largest `keep` fraction of |θ| in every prunable weight and sends the rest to
 * θ − threshold − PRUNED_DEPTH < 0 (w = 0), as Grad R's prior leaves long-pruned synapses: deep
 * enough that none regrows within the benchmark's steps (Adam moves θ by about lr = 1e-3 a step).
 */
function pruneToConnectivity(session: TrainingSession, keep: number): void {
  const state = session.learner.getState();
  const tensors = new Map(state.tensors);
  for (const [key, theta] of state.tensors) {
    if (!key.startsWith('theta/')) continue;
    const v = theta.dataSync() as Float32Array;
    const threshold = Float32Array.from(v).sort()[Math.floor((1 - keep) * v.length)];
    tensors.set(
      key,
      tf.tensor(
        v.map((t) => (t >= threshold ? t : t - threshold - PRUNED_DEPTH)),
        theta.shape,
      ),
    );
  }
  session.learner.setState({ json: state.json, tensors });
  for (const [key, t] of tensors) if (state.tensors.get(key) !== t) t.dispose();
}

function connectivityOf(v: ArrayLike<number>): number {
  let active = 0;
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) active++;
  return active / v.length;
}

/** Nonzero fraction of all prunable weights. */
function connectivity(session: TrainingSession): number {
  let active = 0;
  let total = 0;
  for (const [, w] of session.model.prunableWeights()) {
    active += connectivityOf(w.dataSync()) * w.size;
    total += w.size;
  }
  return active / total;
}

/** Grad R on gradr-mnist-mlp (seed 0) pruned to CONNECTIVITY. */
function prunedSession(): TrainingSession {
  const model = createModel('gradr-mnist-mlp', { T: 8, seed: 0 });
  const session = new TrainingSession({
    model,
    learner: createLearner('gradr', { alpha: 1e-3 }),
    optimizer: (params) => new Adam(params, { lr: 1e-3 }),
    lr: 1e-3,
    totalSteps: 1000,
  });
  pruneToConnectivity(session, CONNECTIVITY);
  return session;
}

/** CPU ms of this process (main thread and kernel workers) per call of `fn`. */
function cpuMs(fn: () => void, calls: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const u = process.cpuUsage(c0);
  return (u.user + u.system) / 1000 / calls;
}

/**
 * Training steps of gradr-mnist-mlp under Grad R at 10% connectivity (magnitude-pruned θ), with
 * BatchMatMul skipping the pruned weights' zeros ('skipped') vs the same kernels multiplying them
 * ('unskipped', `useWasmSimd({ sparseWeights: false })`: what the dense net costs). Both start from
 * the same state and see the same real MNIST batches; windows of 4 steps alternate between them
 * (the first window of each is warm-up, untimed), and their losses are compared step by step (the
 * sums keep their order, so they should be bit-identical). Figures are CPU time of this process.
 *
 * Grad R needs ∂L/∂w on every entry (pruned synapses regrow through it), so the weight gradient
 * stays dense, and gradr-mnist-mlp's first layer computes no input gradient (its input is data):
 * of the first layer's two products only the forward can skip the weight's zeros. (The weight
 * gradient xᵀ·dH may still skip dH's zeros, which the same kernel path does when dH is sparse: with
 * the output layer 90% pruned, MSE on the rate gives most hidden units no gradient early on.) The
 * products are also timed alone at the first layer's size, to show where the skipped work is and is
 * not; the weight gradient, on the same path both ways there, shows the noise of the machine.
 */
export const gradrSparseStep: Benchmark = {
  name: 'gradr-sparse-step',
  description:
    'Grad R training step at 10% connectivity: pruned weights skipped vs multiplied (gradr-mnist-mlp, batch 128, T = 8, wasm)',
  async run(ctx) {
    if (!ctx.simd)
      throw new Error('gradr-sparse-step: compares wasm-simd kernel settings; run without --no-simd');
    await startBenchEngine(ctx);
    const windows = ctx.quick ? 21 : 61; // 4 steps each: 84 (quick) or 244 steps per contender
    const steps = windows * STEPS_PER_WINDOW;
    const batches = [];
    const all = await realBatch('mnist', BATCH * steps, ctx.dataRoot);
    for (let s = 0; s < steps; s++) {
      batches.push({
        inputs: all.inputs.subarray(s * BATCH * 784, (s + 1) * BATCH * 784),
        shape: [BATCH, 1, 28, 28],
        labels: Array.from(all.labels).slice(s * BATCH, (s + 1) * BATCH),
      });
    }
    const setKernels = async (sparseWeights: boolean) => {
      const reg = await useWasmSimd();
      if (reg.sparseWeights === sparseWeights) return;
      reg.unregister();
      await useWasmSimd({ sparseWeights });
    };
    const contenders = [
      {
        label: 'skipped',
        sparseWeights: true,
        session: prunedSession(),
        loss: [] as number[],
        cpu: [] as number[],
        wall: [] as number[],
        calls: 0,
      },
      {
        label: 'unskipped',
        sparseWeights: false,
        session: prunedSession(),
        loss: [] as number[],
        cpu: [] as number[],
        wall: [] as number[],
        calls: 0,
      },
    ];
    const startConnectivity = connectivity(contenders[0].session);
    for (let w = 0; w < windows; w++) {
      for (const c of w % 2 ? [...contenders].reverse() : contenders) {
        await setKernels(c.sparseWeights);
        const before = sparseWeightCalls.count;
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        for (let s = w * STEPS_PER_WINDOW; s < (w + 1) * STEPS_PER_WINDOW; s++)
          c.loss.push(c.session.trainer.trainStep(batches[s], { epoch: 0, batchIndex: s }).loss);
        const used = process.cpuUsage(c0);
        if (w > 0) {
          c.cpu.push((used.user + used.system) / 1000 / STEPS_PER_WINDOW);
          c.wall.push((performance.now() - t0) / STEPS_PER_WINDOW);
        }
        c.calls += sparseWeightCalls.count - before;
      }
    }
    const [skip, dense] = contenders;
    const cpuRatio = median(dense.cpu.map((t, i) => t / skip.cpu[i]));
    const wallRatio = median(dense.wall.map((t, i) => t / skip.wall[i]));
    let maxLossDiff = 0;
    let identical = 0;
    let identical20 = 0;
    for (let i = 0; i < steps; i++) {
      maxLossDiff = Math.max(maxLossDiff, Math.abs(skip.loss[i] - dense.loss[i]));
      if (Object.is(skip.loss[i], dense.loss[i])) {
        identical++;
        if (i < 20) identical20++;
      }
    }
    const endConnectivity = contenders.map((c) => connectivity(c.session));

    // The skippable products alone, first-layer size: forward x·W and an input gradient dy·Wᵀ at
    // 10% nonzeros in W, on MNIST pixels (19% nonzero, which the unskipped path already skips) and on
    // a dense x (a hidden layer's analog input); alternated, CPU ms per product.
    const w1v = contenders[0].session.model.prunableWeights()[0][1];
    const w1 = tf.tensor2d(w1v.dataSync() as Float32Array, w1v.shape as [number, number]);
    const w1Density = connectivityOf(w1.dataSync());
    const xMnist = tf.tensor2d(batches[0].inputs, [BATCH, 784]);
    const xDense = tf.tensor2d(
      Float32Array.from(batches[0].inputs, (_, i) => Math.sin(i) * 0.5),
      [BATCH, 784],
    );
    const dy = tf.tensor2d(
      Float32Array.from({ length: BATCH * 800 }, (_, i) => Math.cos(i) * 1e-2),
      [BATCH, 800],
    );
    const run = (f: () => tf.Tensor) => () => tf.tidy(() => void f().dataSync());
    const productCases = [
      { name: 'forward x·W, MNIST x', fn: run(() => tf.matMul(xMnist, w1)) },
      { name: 'forward x·W, dense x', fn: run(() => tf.matMul(xDense, w1)) },
      { name: 'input gradient dy·Wᵀ', fn: run(() => tf.matMul(dy, w1, false, true)) },
      {
        name: 'weight gradient xᵀ·dy (dense, Grad R needs it)',
        fn: run(() => tf.matMul(xMnist, dy, true, false)),
      },
    ];
    const productRecords: BenchRecord[] = [];
    const reps = ctx.quick ? 9 : 21;
    for (const pc of productCases) {
      const times: Record<string, number[]> = { skipped: [], unskipped: [] };
      for (let r = 0; r < reps; r++) {
        for (const sw of r % 2 ? [false, true] : [true, false]) {
          await setKernels(sw);
          pc.fn(); // the kernels' arena sized, A's and B's CSR not kept across tensors
          times[sw ? 'skipped' : 'unskipped'].push(cpuMs(pc.fn, 10));
        }
      }
      const ratio = median(times.unskipped.map((t, i) => t / times.skipped[i]));
      const pconfig = { shape: '[128×784]·[784×800]', weightDensity: w1Density, windowCpuMs: times };
      productRecords.push(
        {
          benchmark: 'gradr-sparse-step',
          metric: `${pc.name}: skipped`,
          value: median(times.skipped),
          unit: 'ms',
          config: pconfig,
        },
        {
          benchmark: 'gradr-sparse-step',
          metric: `${pc.name}: unskipped`,
          value: median(times.unskipped),
          unit: 'ms',
          config: pconfig,
        },
        {
          benchmark: 'gradr-sparse-step',
          metric: `${pc.name}: unskipped / skipped`,
          value: ratio,
          unit: 'x',
          config: pconfig,
        },
      );
      ctx.log(
        `${pc.name}: ${median(times.skipped).toFixed(2)} ms skipped vs ${median(times.unskipped).toFixed(2)} ms unskipped (${ratio.toFixed(2)}×)`,
      );
    }
    tf.dispose([w1, xMnist, xDense, dy]);

    for (const c of contenders) c.session.dispose();
    await setKernels(true);
    const config = {
      model: 'gradr-mnist-mlp',
      learner: 'gradr (alpha 1e-3), θ magnitude-pruned',
      batch: BATCH,
      T: 8,
      steps,
      stepsPerWindow: STEPS_PER_WINDOW,
      timedWindows: windows - 1,
      startConnectivity,
      endConnectivity,
      sparseWeightProducts: skip.calls,
      sparseWeightProductsUnskipped: dense.calls,
      lossSkipped: skip.loss,
      lossUnskipped: dense.loss,
      windowCpuMsSkipped: skip.cpu,
      windowCpuMsUnskipped: dense.cpu,
    };
    ctx.log(
      `connectivity ${(startConnectivity * 100).toFixed(1)}% → ${endConnectivity.map((c) => (c * 100).toFixed(1)).join('/')}%; ` +
        `step CPU ${median(skip.cpu).toFixed(1)} ms skipped vs ${median(dense.cpu).toFixed(1)} ms unskipped: ` +
        `${cpuRatio.toFixed(2)}× (wall ${wallRatio.toFixed(2)}×); loss identical on ${identical}/${steps} steps, max |Δ| ${maxLossDiff}; ` +
        `${skip.calls} products skipped W's zeros (${dense.calls} unskipped)`,
    );
    return [
      {
        benchmark: 'gradr-sparse-step',
        metric: 'step CPU time, skipped',
        value: median(skip.cpu),
        unit: 'ms',
        config,
      },
      {
        benchmark: 'gradr-sparse-step',
        metric: 'step CPU time, unskipped',
        value: median(dense.cpu),
        unit: 'ms',
        config,
      },
      {
        benchmark: 'gradr-sparse-step',
        metric: 'unskipped / skipped step (CPU time)',
        value: cpuRatio,
        unit: 'x',
        config: { ...config, target: 2 },
      },
      {
        benchmark: 'gradr-sparse-step',
        metric: 'unskipped / skipped step (wall)',
        value: wallRatio,
        unit: 'x',
        config,
      },
      {
        benchmark: 'gradr-sparse-step',
        metric: 'first 20 steps with bit-identical loss',
        value: identical20,
        unit: 'of 20',
        config,
      },
      {
        benchmark: 'gradr-sparse-step',
        metric: 'steps with bit-identical loss',
        value: identical,
        unit: `of ${steps}`,
        config,
      },
      {
        benchmark: 'gradr-sparse-step',
        metric: 'max |loss difference|',
        value: maxLossDiff,
        unit: '',
        config,
      },
      ...productRecords,
    ];
  },
};
