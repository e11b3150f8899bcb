import { Adam, backendInfo, createModel, initBackend } from '@synaptogen/nn';
import { createLearner, TrainingSession } from '@synaptogen/structure';
import { wasmSimd } from '@synaptogen/wasm-simd';
import { type Benchmark, type BenchRecord, median } from '../record.js';
import { realBatch } from './wasm-common.js';

/** A training session on gradr-mnist-mlp (dense Adam or Grad R) with the divergence check on or off. */
function session(learner: 'dense' | 'gradr', check: boolean) {
  return new TrainingSession({
    model: createModel('gradr-mnist-mlp', { T: 8, seed: 0 }),
    learner: createLearner(learner, learner === 'gradr' ? { alpha: 0.1 } : {}),
    optimizer: (p) => new Adam(p, { lr: 1e-3 }),
    lr: 1e-3,
    divergence: check ? { warnAbove: 1000 } : false,
  });
}

/**
 * Cost of the per-step divergence check (issue 16): one reduction over the model's parameters, the
 * optimizer's moments and the learner's state, plus max |w| for the "weights exploded" warning, as
 * `synaptogen train` runs it. gradr-mnist-mlp, a real MNIST batch of 128, T = 8, wasm with the
 * wasm-simd kernels; with and without the check, alternated window by window, judged on this
 * process's CPU time (other processes' load on a shared machine does not count).
 */
export const divergenceCheck: Benchmark = {
  name: 'divergence-check',
  description:
    'training step with vs without the per-step NaN/Infinity check (gradr-mnist-mlp, batch 128, T = 8)',
  async run(ctx) {
    await initBackend({ backend: 'wasm', accelerator: wasmSimd() });
    const batch = await realBatch('mnist', 128, ctx.dataRoot);
    const steps = ctx.quick ? 3 : 5;
    const windows = ctx.quick ? 4 : 12;
    const records: BenchRecord[] = [];
    for (const learner of ['dense', 'gradr'] as const) {
      const runs = { off: session(learner, false), on: session(learner, true) };
      const cpu: Record<'off' | 'on', number[]> = { off: [], on: [] };
      for (const s of Object.values(runs)) s.trainer.trainStep(batch); // warm-up
      for (let w = 0; w < windows; w++) {
        for (const k of w % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          const c0 = process.cpuUsage();
          for (let i = 0; i < steps; i++) runs[k].trainer.trainStep(batch, { epoch: 0, batchIndex: i });
          const used = process.cpuUsage(c0);
          cpu[k].push((used.user + used.system) / 1000 / steps);
        }
      }
      for (const s of Object.values(runs)) s.dispose();
      const ratio = median(cpu.on.map((t, i) => t / cpu.off[i]));
      const config = {
        model: 'gradr-mnist-mlp',
        learner,
        batch: 128,
        T: 8,
        steps,
        windows,
        engine: backendInfo(),
        cpu,
      };
      records.push(
        {
          benchmark: 'divergence-check',
          metric: `${learner}: step without check (CPU)`,
          value: median(cpu.off),
          unit: 'ms',
          config,
        },
        {
          benchmark: 'divergence-check',
          metric: `${learner}: step with check (CPU)`,
          value: median(cpu.on),
          unit: 'ms',
          config,
        },
        {
          benchmark: 'divergence-check',
          metric: `${learner}: with / without check (CPU)`,
          value: ratio,
          unit: 'x',
          config,
        },
      );
      ctx.log(
        `${learner}: ${median(cpu.off).toFixed(1)} → ${median(cpu.on).toFixed(1)} ms CPU per step (${ratio.toFixed(3)}×)`,
      );
    }
    return records;
  },
};
