import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import { Adam, createModel, initBackend } from '@synaptogen/nn';
import { createLearner, TrainingSession } from '@synaptogen/structure';
import { useWasmSimd } from '@synaptogen/wasm-simd';
import { DEFAULT_SPIN_LIMITS, type SpinLimits, setSpinLimits } from '@synaptogen/wasm-simd/tuning';
import * as tf from '@tensorflow/tfjs-core';
import { type Benchmark, type BenchRecord, median } from '../record.js';
import { realBatch, timeWindow } from './wasm-common.js';

/** The fixed spin before the adaptive one: 100k checks on every wait. */
const FIXED_100K: SpinLimits = { min: 100_000, max: 100_000 };

interface Run {
  label: string;
  threads: number;
  spin: SpinLimits;
  rates: number[];
}

/**
 * A CPU-bound process for the "busy" windows: with it, the two threads share 2 cores with a third.
 * It ends itself after `seconds`, should this process die without killing it.
 */
async function startBusyProcess(seconds: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['-e', `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end);`],
    {
      stdio: 'ignore',
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 500)); // started and spinning
  return child;
}

/**
 * The README main job's training step (gradr-mnist-mlp, Grad R α = 0.05 on Adam, batch 128, real
 * MNIST in memory) on 1 thread and on the default threads with the fixed 100k-check spin and with the
 * adaptive one (`setSpinLimits`), alternated window by window; first on the machine as it is, then
 * beside one CPU-bound process (a busy machine, or a browser tab with other work). Each window records
 * the 1-minute load average.
 */
export const threadSpin: Benchmark = {
  name: 'thread-spin',
  description: 'MLP Grad R step: 1 thread vs threads with fixed 100k spin vs adaptive spin, quiet and busy',
  async run(ctx) {
    await initBackend({ backend: 'wasm' });
    let reg = await useWasmSimd();
    const threads = reg.threads;
    const steps = ctx.quick ? 20 : 40;
    const windows = ctx.quick ? 3 : 7;
    const batch = await realBatch('mnist', 128, ctx.dataRoot);
    const session = new TrainingSession({
      model: createModel('gradr-mnist-mlp', { seed: 0 }),
      learner: createLearner('gradr', { alpha: 0.05, targetSparsity: 0.95 }),
      optimizer: (p) => new Adam(p, { lr: 1e-3 }),
      lr: 1e-3,
      totalSteps: 100_000,
    });
    const records: BenchRecord[] = [];
    const use = async (n: number) => {
      if (reg.threads === n) return;
      reg.unregister();
      reg = await useWasmSimd({ threads: n });
    };
    try {
      for (let i = 0; i < 5; i++) session.trainer.trainStep(batch); // warm-up
      for (const condition of ['as-is', 'busy'] as const) {
        const busy = condition === 'busy' ? await startBusyProcess(ctx.quick ? 60 : 180) : null;
        try {
          const runs: Run[] = [
            { label: 't1', threads: 1, spin: DEFAULT_SPIN_LIMITS, rates: [] },
            { label: `t${threads}-fixed-100k`, threads, spin: FIXED_100K, rates: [] },
            { label: `t${threads}-adaptive`, threads, spin: DEFAULT_SPIN_LIMITS, rates: [] },
          ];
          const load: number[] = [];
          for (let w = 0; w < windows; w++) {
            load.push(os.loadavg()[0]);
            for (const r of runs) {
              await use(r.threads);
              setSpinLimits(r.spin);
              session.trainer.trainStep(batch); // the budgets settle under this variant's limits
              r.rates.push(128 / timeWindow(() => session.trainer.trainStep(batch), steps));
            }
            ctx.log(
              `${condition} window ${w + 1} (load average ${load[w].toFixed(2)}): ${runs.map((r) => `${r.label} ${r.rates[w].toFixed(0)}`).join(', ')} samples/s`,
            );
          }
          const t1 = median(runs[0].rates);
          for (const r of runs) {
            const rate = median(r.rates);
            const config = { threads: r.threads, spin: r.spin, steps, windows: r.rates, loadAverage1m: load };
            records.push({
              benchmark: 'thread-spin',
              metric: `gradr-mnist-mlp/${condition}/${r.label}`,
              value: rate,
              unit: 'samples/s',
              config,
            });
            if (r.threads === 1) continue;
            records.push({
              benchmark: 'thread-spin',
              metric: `gradr-mnist-mlp/${condition}/${r.label} vs t1`,
              value: rate / t1,
              unit: 'x',
              config: { loadAverage1m: load },
            });
            ctx.log(`${condition} ${r.label}: ${rate.toFixed(0)} samples/s, ${(rate / t1).toFixed(2)}x t1`);
          }
        } finally {
          busy?.kill();
        }
      }
    } finally {
      setSpinLimits(DEFAULT_SPIN_LIMITS);
      session.dispose();
      tf.disposeVariables();
      await use(threads);
      reg.unregister();
    }
    return records;
  },
};
