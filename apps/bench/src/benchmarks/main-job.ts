import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Adam, type Batch, createModel } from '@synaptogen/nn';
import { createLearner, TrainingSession } from '@synaptogen/structure';
import { runTrainCli } from '../cli-run.js';
import { startBenchEngine } from '../engine.js';
import { peerDir, torchAvailable } from '../peer.js';
import { type BenchContext, type Benchmark, type BenchRecord, median } from '../record.js';
import { realBatch } from './wasm-common.js';

/** The README's main job: one epoch of Grad R (α = 0.05, p = 0.95) on the full MNIST training set. */
const MAIN_JOB = [
  '--dataset',
  'mnist',
  '--model',
  'gradr-mnist-mlp',
  '--learner',
  'gradr',
  '--alpha',
  '0.05',
];
const MAIN_JOB_P = ['--target-sparsity', '0.95'];

interface CliRun {
  samplesPerSecond: number;
  trainSeconds: number;
  wallSeconds: number;
  testAccuracy: number;
  connectivity: number;
  engine: unknown;
}

function runCli(args: string[], ctx: BenchContext): CliRun {
  const s = runTrainCli(args, ctx, 'main-job');
  return {
    samplesPerSecond: s.samplesPerSecond,
    trainSeconds: s.trainSeconds,
    wallSeconds: s.wallSeconds,
    testAccuracy: s.testAccuracy,
    connectivity: s.connectivity,
    engine: s.engine,
  };
}

interface PeerRun {
  samplesPerSecond: number;
  trainSeconds: number;
  testAccuracy: number;
  connectivity: number;
}

/** The PyTorch reference script on the same job: oneDNN linear layers, 2 threads (its fastest CPU path). */
function runPeer(ctx: BenchContext, trainLimit?: number): PeerRun | null {
  if (trainLimit !== undefined) return null; // the reference script trains on the whole set only
  const dir = peerDir(ctx);
  const args = ['train_mnist_gradr.py', '--data', join(ctx.dataRoot, 'mnist'), '--epochs', '1'];
  args.push('--alpha', '0.05', '--p', '0.95', '--linear-impl', 'onednn', '--threads', '2');
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 26 });
  if (r.status !== 0)
    throw new Error(`main-job: train_mnist_gradr.py failed: ${r.stderr.trim().slice(-400)}`);
  const final = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
  const epoch = final.history[0];
  return {
    samplesPerSecond: 60000 / epoch.train_wall_s,
    trainSeconds: epoch.train_wall_s,
    testAccuracy: final.test_acc,
    connectivity: final.connectivity,
  };
}

/**
 * Step-only rate of the same job in this process: TrainingSession.trainer.trainStep over real MNIST
 * batches already in memory (no data loading, no evaluation, no checkpoint), on the same kernels.
 */
async function stepOnly(ctx: BenchContext, steps: number): Promise<number> {
  await startBenchEngine({ simd: true });
  const big = await realBatch('mnist', 128 * 8, ctx.dataRoot);
  const batches: Batch[] = Array.from({ length: 8 }, (_, i) => ({
    inputs: big.inputs.subarray(i * 128 * 784, (i + 1) * 128 * 784),
    shape: [128, 1, 28, 28],
    labels: Array.from(big.labels).slice(i * 128, (i + 1) * 128),
  }));
  const session = new TrainingSession({
    model: createModel('gradr-mnist-mlp', { seed: 0 }),
    learner: createLearner('gradr', { alpha: 0.05, targetSparsity: 0.95 }),
    optimizer: (p) => new Adam(p, { lr: 1e-3 }),
    lr: 1e-3,
    totalSteps: 469,
  });
  try {
    for (let i = 0; i < 5; i++) session.trainer.trainStep(batches[i % 8]);
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) session.trainer.trainStep(batches[i % 8], { epoch: 0, batchIndex: i });
    return (128 * steps) / ((performance.now() - t0) / 1000);
  } finally {
    session.dispose();
  }
}

const record = (
  metric: string,
  value: number,
  unit: string,
  config: Record<string, unknown> = {},
): BenchRecord => ({
  benchmark: 'main-job',
  metric,
  value,
  unit,
  config,
});

/**
 * The README's main job end to end through the built CLI (data loading, training, evaluation and a
 * checkpoint each epoch) against PyTorch's reference script on the same job, one after the other,
 * alternated over several rounds; plus the CLI's conv-small rate on CIFAR-10 with and without the
 * wasm-simd kernels ("today's CLI rate" was the stock path), and the step-only rate of the MLP.
 */
export const mainJob: Benchmark = {
  name: 'main-job',
  description:
    'README main job (1 epoch Grad R MNIST) via the built CLI vs PyTorch reference; conv-small CIFAR-10 CLI with/without wasm-simd',
  async run(ctx) {
    const rounds = ctx.quick ? 1 : 3;
    const limit = ctx.quick ? ['--train-limit', '12800', '--test-limit', '2000'] : [];
    const peerOk = torchAvailable();
    if (!peerOk) ctx.log('peer: skipped (needs Debian python3-torch: apt-get install -y python3-torch)');
    const ours: CliRun[] = [];
    const peer: PeerRun[] = [];
    const steps: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const o = runCli([...MAIN_JOB, ...MAIN_JOB_P, '--epochs', '1', ...limit], ctx);
      ours.push(o);
      ctx.log(
        `round ${r + 1}: synaptogen CLI ${o.samplesPerSecond.toFixed(0)} samples/s (train ${o.trainSeconds.toFixed(1)} s, whole command ${o.wallSeconds.toFixed(1)} s), test acc ${(100 * o.testAccuracy).toFixed(2)}%, connectivity ${o.connectivity.toFixed(4)}`,
      );
      if (peerOk && !ctx.quick) {
        const p = runPeer(ctx) as PeerRun;
        peer.push(p);
        ctx.log(
          `round ${r + 1}: PyTorch oneDNN t2 ${p.samplesPerSecond.toFixed(0)} samples/s (train ${p.trainSeconds.toFixed(1)} s), test acc ${(100 * p.testAccuracy).toFixed(2)}%, connectivity ${p.connectivity.toFixed(4)}`,
        );
      }
      steps.push(await stepOnly(ctx, ctx.quick ? 40 : 120));
      ctx.log(
        `round ${r + 1}: step-only (same kernels, batches in memory) ${steps.at(-1)?.toFixed(0)} samples/s`,
      );
    }
    const records: BenchRecord[] = [];
    const ourRate = median(ours.map((o) => o.samplesPerSecond));
    const config = { rounds, quick: ctx.quick, engine: ours[0].engine };
    records.push(record('gradr-mnist-mlp/cli-train', ourRate, 'samples/s', config));
    records.push(
      record('gradr-mnist-mlp/cli-test-accuracy', median(ours.map((o) => o.testAccuracy)), 'fraction'),
    );
    records.push(record('gradr-mnist-mlp/step-only', median(steps), 'samples/s'));
    records.push(
      record('gradr-mnist-mlp/cli-vs-step-only', ourRate / median(steps), 'ratio', { target: '≥ 0.9' }),
    );
    if (peer.length) {
      const peerRate = median(peer.map((p) => p.samplesPerSecond));
      records.push(record('gradr-mnist-mlp/pytorch-onednn-t2-train', peerRate, 'samples/s'));
      records.push(
        record('gradr-mnist-mlp/pytorch-test-accuracy', median(peer.map((p) => p.testAccuracy)), 'fraction'),
      );
      // per round (one after the other), then the median of the per-round ratios
      const ratios = ours.map((o, i) => o.samplesPerSecond / peer[i].samplesPerSecond);
      records.push(
        record('gradr-mnist-mlp/cli-vs-pytorch', median(ratios), 'ratio', {
          perRound: ratios,
          goal: '≥ 1.5 (must ≥ 1.0)',
        }),
      );
    }

    // conv-small on the CIFAR-10 files: the same CLI command on the engine and on stock kernels
    const conv = ['--dataset', 'cifar10', '--model', 'conv-small', '--optimizer', 'sgd', '--lr', '0.05'];
    const convLimit = ['--epochs', '1', '--train-limit', ctx.quick ? '512' : '2048', '--test-limit', '500'];
    const fast: number[] = [];
    const stock: number[] = [];
    for (let r = 0; r < (ctx.quick ? 1 : 2); r++) {
      fast.push(runCli([...conv, ...convLimit], ctx).samplesPerSecond);
      stock.push(runCli([...conv, ...convLimit, '--no-simd'], ctx).samplesPerSecond);
      ctx.log(
        `conv-small round ${r + 1}: CLI ${fast.at(-1)?.toFixed(1)} samples/s, --no-simd ${stock.at(-1)?.toFixed(1)}`,
      );
    }
    records.push(record('conv-small/cli-train', median(fast), 'samples/s'));
    records.push(record('conv-small/cli-train-no-simd', median(stock), 'samples/s'));
    records.push(record('conv-small/cli-vs-no-simd', median(fast) / median(stock), 'ratio', { goal: '≥ 5' }));
    return records;
  },
};
