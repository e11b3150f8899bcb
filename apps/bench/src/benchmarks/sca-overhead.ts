import { createModel, SGD } from '@synaptogen/nn';
import { SCA, TrainingSession } from '@synaptogen/structure';
import { getChannelScore, registerChannelScore } from '@synaptogen/structure/sca';
import { startBenchEngine } from '../engine.js';
import { type Benchmark, type BenchRecord, median } from '../record.js';
import { realBatch } from './wasm-common.js';

const BATCH = 64;
const STEPS_PER_WINDOW = 3;
/** The reference score as step records only (no `ofPotential`): how SCA scored before the H path. */
const STEP_RECORD_SCORE = 'activity-step-records';

function session(sca: 'none' | 'from-h' | 'step-records'): TrainingSession {
  const model = createModel('conv-small', { width: 1, T: 4, inputShape: [3, 32, 32], classes: 10, seed: 1 });
  const score = sca === 'step-records' ? STEP_RECORD_SCORE : 'activity';
  return new TrainingSession({
    model,
    learner: sca === 'none' ? undefined : new SCA({ sparsity: 0.7, regrow: 0.1, score }),
    optimizer: (params) => new SGD(params, { lr: 0.05, momentum: 0.9 }),
    lr: 0.05,
    seed: 1,
    totalSteps: 1000,
  });
}

/**
 * What SCA adds to a training step of conv-small (full width, T = 4, batch 64, real CIFAR-10): dense
 * vs SCA scoring channels from each call's H in one pass (the default: wasm-simd's channel-score
 * kernel) vs SCA rebuilding T step records per call (the path before it, kept for plugin scores
 * that need step records). Windows of 3 steps
 * alternate between the three sessions (same seed, same batches; the first window is warm-up). No
 * epoch ends, so no structure changes: this is the per-step cost of watching the channels, which SCA
 * pays in every training step. The SCA sessions' losses must equal dense's (watching changes nothing).
 */
export const scaOverhead: Benchmark = {
  name: 'sca-overhead',
  description:
    'SCA per-step cost vs dense on conv-small CIFAR-10: channel scores from H vs from step records',
  async run(ctx) {
    await startBenchEngine(ctx);
    registerChannelScore(STEP_RECORD_SCORE, getChannelScore('activity').fn, 'activity, as step records');
    const windows = ctx.quick ? 7 : 15;
    const steps = windows * STEPS_PER_WINDOW;
    const all = await realBatch('cifar10', BATCH * steps, ctx.dataRoot);
    const chw = 3 * 32 * 32;
    const batchAt = (s: number) => ({
      inputs: all.inputs.subarray(s * BATCH * chw, (s + 1) * BATCH * chw),
      shape: [BATCH, 3, 32, 32],
      labels: Array.from(all.labels).slice(s * BATCH, (s + 1) * BATCH),
    });
    const contenders = (['none', 'from-h', 'step-records'] as const).map((sca) => ({
      label: sca === 'none' ? 'dense' : `sca ${sca}`,
      session: session(sca),
      loss: [] as number[],
      ms: [] as number[],
    }));
    for (let w = 0; w < windows; w++)
      for (const c of w % 2 ? [...contenders].reverse() : contenders) {
        const t0 = performance.now();
        for (let s = w * STEPS_PER_WINDOW; s < (w + 1) * STEPS_PER_WINDOW; s++)
          c.loss.push(c.session.trainer.trainStep(batchAt(s), { epoch: 0, batchIndex: s }).loss);
        if (w > 0) c.ms.push((performance.now() - t0) / STEPS_PER_WINDOW);
      }
    const dense = contenders[0];
    const records: BenchRecord[] = [];
    const config = {
      model: 'conv-small',
      width: 1,
      T: 4,
      batch: BATCH,
      windows,
      stepsPerWindow: STEPS_PER_WINDOW,
    };
    for (const c of contenders) {
      const ms = median(c.ms);
      const ratio = median(c.ms.map((t, i) => t / dense.ms[i]));
      const maxLossDiff = Math.max(...c.loss.map((l, i) => Math.abs(l - dense.loss[i])));
      records.push(
        { benchmark: 'sca-overhead', metric: `${c.label}/ms per step`, value: ms, unit: 'ms', config },
        {
          benchmark: 'sca-overhead',
          metric: `${c.label}/step time ÷ dense`,
          value: ratio,
          unit: '×',
          config,
        },
        {
          benchmark: 'sca-overhead',
          metric: `${c.label}/max |loss − dense loss|`,
          value: maxLossDiff,
          unit: '',
          config,
        },
      );
      ctx.log(
        `${c.label}: ${ms.toFixed(1)} ms/step, ${ratio.toFixed(3)}× dense, max loss diff ${maxLossDiff}`,
      );
    }
    for (const c of contenders) c.session.dispose();
    return records;
  },
};
