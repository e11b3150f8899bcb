import { Adam, type Batch, createModel, Trainer } from '@synaptogen/nn';
import { createLearner, TrainingSession } from '@synaptogen/structure';
import { startBenchEngine } from '../engine.js';
import { type Benchmark, type BenchRecord, median } from '../record.js';
import { loadMnist } from './gradr-common.js';

interface Contender {
  label: string;
  trainer: Trainer;
  dispose: () => void;
  /** Wall-clock ms per step, one value per window. */
  windows: number[];
  /** CPU ms per step of this process (user + system), one value per window: other processes' load does not count. */
  cpu: number[];
}

/** A trainer for gradr-mnist-mlp with one learner (or plain Adam on every weight). */
function contender(label: string, learner: string | null, options: Record<string, unknown> = {}): Contender {
  const model = createModel('gradr-mnist-mlp', { T: 8, seed: 0 });
  if (!learner) {
    const optimizer = new Adam(new Map(model.namedParameters()), { lr: 1e-3 });
    return {
      label,
      trainer: new Trainer({ model, optimizer }),
      dispose: () => {
        optimizer.dispose();
        model.dispose();
      },
      windows: [],
      cpu: [],
    };
  }
  const session = new TrainingSession({
    model,
    learner: createLearner(learner, options),
    optimizer: (params) => new Adam(params, { lr: 1e-3 }),
    lr: 1e-3,
    totalSteps: 1000,
  });
  return {
    label,
    trainer: session.trainer,
    dispose: () => session.dispose(),
    windows: [],
    cpu: [],
  };
}

/**
 * Time of one training step (forward, BPTT backward, update) of gradr-mnist-mlp on a real MNIST
 * batch of 128, T = 8, wasm: dense Adam vs Grad R (and Deep R, magnitude for reference). The
 * contenders alternate window by window (9 windows of 5 steps), and each window records this process's CPU time besides
 * the wall time (wasm runs on one thread, so CPU time is the step's cost even when other processes
 * load the machine). The ratio is the median of the per-window ratios. Target (issue 4): Grad R ≤
 * 1.15 × dense Adam.
 */
export const gradrStep: Benchmark = {
  name: 'gradr-step',
  description: 'Grad R training-step time vs dense Adam on gradr-mnist-mlp (batch 128, T = 8, wasm)',
  async run(ctx) {
    await startBenchEngine(ctx);
    const { train } = await loadMnist(ctx.dataRoot, 128, 1);
    const inputs = new Float32Array(128 * 784);
    for (let i = 0; i < inputs.length; i++) inputs[i] = (train.images[i] as number) / 255;
    const batch: Batch = { inputs, shape: [128, 1, 28, 28], labels: Array.from(train.labels.slice(0, 128)) };
    const steps = ctx.quick ? 3 : 5;
    const windows = ctx.quick ? 3 : 9;
    const all = [
      contender('dense Adam', null),
      contender('Grad R', 'gradr', { alpha: 0.1 }),
      contender('Deep R', 'deepr', { targetSparsity: 0.9 }),
      contender('magnitude', 'magnitude', { targetSparsity: 0.9, frequency: 100 }),
    ];
    for (const c of all) c.trainer.trainStep(batch); // warm-up: kernels and buffers
    for (let w = 0; w < windows; w++) {
      for (const c of w % 2 ? [...all].reverse() : all) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        for (let s = 0; s < steps; s++) c.trainer.trainStep(batch, { epoch: 0, batchIndex: s });
        const used = process.cpuUsage(c0);
        c.windows.push((performance.now() - t0) / steps);
        c.cpu.push((used.user + used.system) / 1000 / steps);
      }
    }
    const dense = all[0];
    const records: BenchRecord[] = [];
    for (const c of all) {
      const ms = median(c.windows);
      const cpuMs = median(c.cpu);
      // CPU time is the figure to judge on a shared machine; wall time is reported beside it
      const ratio = median(c.cpu.map((t, i) => t / dense.cpu[i]));
      const wallRatio = median(c.windows.map((t, i) => t / dense.windows[i]));
      const config = {
        model: 'gradr-mnist-mlp',
        batch: 128,
        T: 8,
        steps,
        windows,
        windowWallMs: c.windows,
        windowCpuMs: c.cpu,
      };
      records.push(
        { benchmark: 'gradr-step', metric: `${c.label} step (CPU time)`, value: cpuMs, unit: 'ms', config },
        { benchmark: 'gradr-step', metric: `${c.label} step (wall)`, value: ms, unit: 'ms', config },
      );
      if (c !== dense)
        records.push(
          {
            benchmark: 'gradr-step',
            metric: `${c.label} / dense Adam step (CPU time)`,
            value: ratio,
            unit: 'x',
            config: { ...config, target: c.label === 'Grad R' ? 1.15 : undefined },
          },
          {
            benchmark: 'gradr-step',
            metric: `${c.label} / dense Adam step (wall)`,
            value: wallRatio,
            unit: 'x',
            config,
          },
        );
      ctx.log(
        `${c.label}: ${cpuMs.toFixed(1)} ms CPU, ${ms.toFixed(1)} ms wall per step` +
          (c === dense ? '' : `; ${ratio.toFixed(3)}× dense Adam (CPU), ${wallRatio.toFixed(3)}× (wall)`),
      );
      c.dispose();
    }
    return records;
  },
};
