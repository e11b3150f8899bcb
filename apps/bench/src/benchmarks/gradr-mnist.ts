import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBenchEngine } from '../engine.js';
import { peerDir, torchAvailable } from '../peer.js';
import type { BenchContext, Benchmark, BenchRecord } from '../record.js';
import { type EpochRow, loadMnist, type RunSpec, trainRun } from './gradr-common.js';

/** PyTorch reference (`../shared/peer/RESULTS.md`, same model and hyper-parameters) after 3 epochs. */
export const PEER_3_EPOCHS: Record<string, { accuracy: number; connectivity: number }> = {
  '0.001': { accuracy: 0.9712, connectivity: 0.651 },
  '0.05': { accuracy: 0.9652, connectivity: 0.2137 },
  '0.1': { accuracy: 0.9578, connectivity: 0.0885 },
  '0.2': { accuracy: 0.9375, connectivity: 0.0365 },
  '0.4': { accuracy: 0.8987, connectivity: 0.0162 },
};

const ALPHAS = [1e-1, 4e-1, 2e-1, 5e-2, 1e-3];
/**
 * Each α runs with the spec's prior step α·η_t (key `0.4`) and with the reference script's α·lr
 * (key `0.4-lr`); the two differ in the first ~50 steps, which shows at large α.
 */
const PRIOR_STEPS = [
  { suffix: '', priorStep: 'biasCorrected', label: '' },
  { suffix: '-lr', priorStep: 'lr', label: ' prior α·lr' },
] as const;
/** `0.4-lr-s2` → `0.4` (the α), `-lr` (the rule), 2 (the seed). */
const peerKey = (key: string) => key.replace(/-s\d+$/, '').replace(/-lr$/, '');
const seedOf = (key: string) => Number(/-s(\d+)$/.exec(key)?.[1] ?? 0);
const withoutSeed = (key: string) => key.replace(/-s\d+$/, '');
/** GRADR_MNIST_SEEDS="0,1,2": Grad R runs for each seed (seed 0 keeps the plain key). */
function seeds(): number[] {
  const list = (process.env.GRADR_MNIST_SEEDS ?? '0').split(',').map((x) => Number(x.trim()));
  if (list.some((x) => !Number.isInteger(x) || x < 0))
    throw new Error(`GRADR_MNIST_SEEDS must list integers ≥ 0, got "${process.env.GRADR_MNIST_SEEDS}"`);
  return list;
}

interface RunResult {
  key: string;
  label: string;
  spec: RunSpec;
  epochs: number;
  quick: boolean;
  rows: EpochRow[];
}

// bundled into dist/run.js: results/ is next to dist/, as in run.ts
const resultsDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'results');
const partialFile = (key: string, quick: boolean, epochs: number) =>
  join(resultsDir, `gradr-mnist${quick ? '-quick' : ''}.run-${key}${epochs === 3 ? '' : `-e${epochs}`}.json`);

/** Selects runs with GRADR_MNIST_RUNS="0.1,0.4-lr,deepr" (keys: α values, α-lr, dense, deepr, magnitude). */
function selected(key: string): boolean {
  const only = process.env.GRADR_MNIST_RUNS;
  if (!only) return true;
  const k = withoutSeed(key);
  return only.split(',').some((s) => s.trim() === k || (s.trim() !== '' && Number(s) === Number(k)));
}

function readPartials(quick: boolean): RunResult[] {
  if (!existsSync(resultsDir)) return [];
  const prefix = `gradr-mnist${quick ? '-quick' : ''}.run-`;
  return readdirSync(resultsDir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as RunResult);
}

const ORDER = [
  'dense',
  ...[...ALPHAS].sort((a, b) => a - b).flatMap((a) => PRIOR_STEPS.map((p) => `${a}${p.suffix}`)),
  'deepr',
  'magnitude',
];

function formatTable(results: RunResult[]): string[] {
  const lines = [
    'run                          epoch  test acc  connectivity  per layer             peer after 3 epochs',
  ];
  const sorted = [...results]
    .filter((r) => seedOf(r.key) === 0)
    .sort((a, b) => ORDER.indexOf(a.key) - ORDER.indexOf(b.key));
  for (const { key, label, rows } of sorted) {
    const peer = PEER_3_EPOCHS[peerKey(key)];
    for (const r of rows) {
      const peerCell =
        peer && r.epoch === 3
          ? `${(100 * peer.accuracy).toFixed(2)}% at ${(100 * peer.connectivity).toFixed(2)}%`
          : '';
      const layers = Object.values(r.perLayer)
        .map((v) => `${(100 * v).toFixed(2)}%`)
        .join(' / ');
      lines.push(
        `${label.padEnd(28)}${String(r.epoch).padStart(6)}  ${(100 * r.testAccuracy).toFixed(2).padStart(7)}%  ${(100 * r.connectivity).toFixed(2).padStart(11)}%  ${layers.padEnd(20)}  ${peerCell}`,
      );
    }
  }
  return lines;
}

function toRecords(results: RunResult[]): BenchRecord[] {
  const records: BenchRecord[] = [];
  for (const { label, spec, rows, epochs, quick } of results) {
    for (const r of rows) {
      const config = { learner: spec.learner, options: spec.options, epochs, quick, ...r };
      records.push(
        {
          benchmark: 'gradr-mnist',
          metric: `${label}/epoch ${r.epoch}/test accuracy`,
          value: r.testAccuracy,
          unit: 'fraction',
          config,
        },
        {
          benchmark: 'gradr-mnist',
          metric: `${label}/epoch ${r.epoch}/connectivity`,
          value: r.connectivity,
          unit: 'fraction',
          config,
        },
      );
    }
  }
  return records;
}

/**
 * Grad R reproduction on real MNIST (gradr-mnist-mlp, T=8, batch 128, Adam lr 1e-3, MSE on rate,
 * pixels in [0, 1], p = 0.95): dense and five α, then Deep R and magnitude pruning at the
 * connectivity Grad R reached with α = 0.1. Each run also writes `results/gradr-mnist.run-<key>.json`,
 * so the runs can be split over processes (GRADR_MNIST_RUNS) and a stopped sweep keeps what it
 * finished; the table and the returned records cover every run file present. GRADR_MNIST_EPOCHS
 * changes the epoch count (default 3; --quick: 1 epoch on 6000 samples), GRADR_MNIST_MAX_MINUTES
 * stops each run after the first epoch that ends past that time (long runs). GRADR_MNIST_SEEDS="0,1,2"
 * repeats the Grad R runs per seed, and `--peer` runs the reference script for the same α and seeds
 * afterwards; a second table then gives mean and range over seeds on both sides. GRADR_MNIST_KEEP_DONE=1
 * keeps runs whose result file exists instead of training them again.
 */
export const gradrMnist: Benchmark = {
  name: 'gradr-mnist',
  description:
    'Grad R on real MNIST vs dense, Deep R and magnitude pruning at matched connectivity (test accuracy and connectivity per epoch)',
  async run(ctx) {
    await startBenchEngine(ctx);
    const quick = ctx.quick;
    const epochs = Number(process.env.GRADR_MNIST_EPOCHS ?? (quick ? 1 : 3));
    const trainLimit = quick ? 6000 : undefined;
    const testLimit = quick ? 2000 : undefined;
    const { train, test } = await loadMnist(ctx.dataRoot, trainLimit, testLimit);
    const setup = {
      modelName: 'gradr-mnist-mlp',
      T: 8,
      train,
      test,
      epochs,
      batchSize: 128,
      lr: 1e-3,
      seed: 0,
      trainLimit,
      maxSeconds: process.env.GRADR_MNIST_MAX_MINUTES
        ? 60 * Number(process.env.GRADR_MNIST_MAX_MINUTES)
        : undefined,
      log: ctx.log,
    };
    const run = async (key: string, spec: RunSpec, seed = 0) => {
      if (!selected(key)) return undefined;
      const done = partialFile(key, quick, epochs);
      if (process.env.GRADR_MNIST_KEEP_DONE && existsSync(done)) {
        ctx.log(`${spec.label}: kept ${done} (GRADR_MNIST_KEEP_DONE)`);
        return (JSON.parse(readFileSync(done, 'utf8')) as RunResult).rows;
      }
      const rows = await trainRun(spec, { ...setup, seed });
      // a run stopped by GRADR_MNIST_MAX_MINUTES is stored with the epochs it did
      const result: RunResult = { key, label: spec.label, spec, epochs, quick, rows };
      const file = done;
      writeFileSync(`${file}.tmp`, `${JSON.stringify(result, null, 2)}\n`);
      renameSync(`${file}.tmp`, file);
      return rows;
    };

    for (const seed of seeds())
      for (const { suffix, priorStep, label } of PRIOR_STEPS)
        for (const alpha of ALPHAS)
          await run(
            `${alpha}${suffix}${seed ? `-s${seed}` : ''}`,
            {
              label: `gradr α=${alpha}${label}${seed ? ` seed ${seed}` : ''}`,
              learner: 'gradr',
              options: { alpha, targetSparsity: 0.95, priorStep },
            },
            seed,
          );
    if (ctx.peer) runPeer(ctx, epochs, quick);
    await run('dense', { label: 'dense (Adam)', learner: 'dense', options: {} });

    if (selected('deepr') || selected('magnitude')) {
      // matched to Grad R α = 0.1: this process's run, else its run file, else GRADR_MATCH_CONNECTIVITY
      const ref = readPartials(quick).find((r) => r.key === '0.1' && r.epochs === epochs);
      const target = ref?.rows.at(-1)?.connectivity ?? Number(process.env.GRADR_MATCH_CONNECTIVITY);
      if (!(target > 0 && target < 1))
        throw new Error(
          'gradr-mnist: Deep R and magnitude need the connectivity of Grad R α = 0.1 (run it first, or set GRADR_MATCH_CONNECTIVITY)',
        );
      const sparsity = Number((1 - target).toFixed(4));
      ctx.log(`matching connectivity ${(100 * target).toFixed(2)}% (Grad R α=0.1${ref ? '' : ', given'})`);
      await run('deepr', {
        label: `deepr @${(100 * target).toFixed(1)}%`,
        learner: 'deepr',
        options: { targetSparsity: sparsity, seed: 0 },
      });
      const steps = Math.ceil((trainLimit ?? train.count) / 128) * epochs;
      await run('magnitude', {
        label: `magnitude @${(100 * target).toFixed(1)}%`,
        learner: 'magnitude',
        // prune over the first two thirds of training, fine-tune the rest (Zhu & Gupta)
        options: { targetSparsity: sparsity, scope: 'global', endStep: Math.round((2 * steps) / 3) },
      });
    }
    const all = readPartials(quick).filter((r) => r.epochs === epochs);
    for (const line of formatTable(all)) ctx.log(line);
    const peers = readPeerPartials(epochs);
    for (const line of seedTable(all, peers)) ctx.log(line);
    return [...toRecords(all), ...seedRecords(all, peers)];
  },
};

/** One run of the PyTorch reference script (onednn Linear, 2 threads): its final epoch. */
interface PeerResult {
  alpha: number;
  seed: number;
  epochs: number;
  testAccuracy: number;
  connectivity: number;
}

const peerFile = (alpha: number, seed: number, epochs: number) =>
  join(resultsDir, `gradr-mnist.peer-${alpha}-s${seed}${epochs === 3 ? '' : `-e${epochs}`}.json`);

function readPeerPartials(epochs: number): PeerResult[] {
  if (!existsSync(resultsDir)) return [];
  return readdirSync(resultsDir)
    .filter((f) => f.startsWith('gradr-mnist.peer-') && f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as PeerResult)
    .filter((r) => r.epochs === epochs);
}

/**
 * `--peer`: the reference script (../shared/peer/train_mnist_gradr.py) for every selected α and seed,
 * one after another after our runs (never at the same time), so seed-to-seed spread is seen on both sides.
 */
function runPeer(ctx: BenchContext, epochs: number, quick: boolean): void {
  const script = join(peerDir(ctx), 'train_mnist_gradr.py');
  if (quick || !existsSync(script) || !torchAvailable()) {
    ctx.log('peer: skipped (needs a full run, ../shared/peer and /usr/bin/python3 with torch)');
    return;
  }
  for (const seed of seeds())
    for (const alpha of ALPHAS) {
      if (!selected(String(alpha)) && !selected(`${alpha}-lr`)) continue;
      const args = [script, '--data', join(ctx.dataRoot, 'mnist'), '--epochs', String(epochs)];
      args.push('--alpha', String(alpha), '--seed', String(seed), '--linear-impl', 'onednn');
      const res = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', maxBuffer: 1 << 24 });
      const final = res.stdout
        .split('\n')
        .filter((l) => l.includes('"result": "final"'))
        .map((l) => JSON.parse(l) as { test_acc: number; connectivity: number })[0];
      if (res.status !== 0 || !final) {
        ctx.log(`peer: α=${alpha} seed ${seed} failed: ${res.stderr.split('\n').slice(-3).join(' ')}`);
        continue;
      }
      const result: PeerResult = {
        alpha,
        seed,
        epochs,
        testAccuracy: final.test_acc,
        connectivity: final.connectivity,
      };
      ctx.log(
        `peer α=${alpha} seed ${seed}: ${(100 * result.testAccuracy).toFixed(2)}% at ${(100 * result.connectivity).toFixed(2)}%`,
      );
      const file = peerFile(alpha, seed, epochs);
      writeFileSync(`${file}.tmp`, `${JSON.stringify(result)}\n`);
      renameSync(`${file}.tmp`, file);
    }
}

interface SeedSummary {
  runs: number;
  accuracy: { mean: number; min: number; max: number };
  connectivity: { mean: number; min: number; max: number };
}

function summarise(points: { accuracy: number; connectivity: number }[]): SeedSummary {
  const stat = (xs: number[]) => ({
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
    min: Math.min(...xs),
    max: Math.max(...xs),
  });
  return {
    runs: points.length,
    accuracy: stat(points.map((p) => p.accuracy)),
    connectivity: stat(points.map((p) => p.connectivity)),
  };
}

/** Final-epoch results grouped by α and rule over seeds, ours next to the reference script's seeds. */
function seedGroups(results: RunResult[], peers: PeerResult[]) {
  const groups = new Map<string, { ours: SeedSummary; peer?: SeedSummary }>();
  const keys = new Set(results.filter((r) => PEER_3_EPOCHS[peerKey(r.key)]).map((r) => withoutSeed(r.key)));
  for (const key of keys) {
    const ours = results
      .filter((r) => withoutSeed(r.key) === key && r.rows.length > 0)
      .map((r) => ({ accuracy: r.rows.at(-1)!.testAccuracy, connectivity: r.rows.at(-1)!.connectivity }));
    const peer = peers
      .filter((p) => String(p.alpha) === peerKey(key))
      .map((p) => ({ accuracy: p.testAccuracy, connectivity: p.connectivity }));
    if (ours.length)
      groups.set(key, { ours: summarise(ours), peer: peer.length ? summarise(peer) : undefined });
  }
  return groups;
}

function seedTable(results: RunResult[], peers: PeerResult[]): string[] {
  const groups = seedGroups(results, peers);
  if (![...groups.values()].some((g) => g.ours.runs > 1 || g.peer)) return [];
  const pct = (s: { mean: number; min: number; max: number }) =>
    `${(100 * s.mean).toFixed(2)} (${(100 * s.min).toFixed(2)}–${(100 * s.max).toFixed(2)})`;
  const lines = [
    'final epoch over seeds: mean (min–max) accuracy % / connectivity %, ours vs the reference script',
  ];
  for (const [key, g] of [...groups].sort((a, b) => ORDER.indexOf(a[0]) - ORDER.indexOf(b[0]))) {
    const peer = g.peer
      ? `${g.peer.runs} seeds ${pct(g.peer.accuracy)} / ${pct(g.peer.connectivity)}`
      : 'not run';
    lines.push(
      `  ${key.padEnd(10)} ours ${g.ours.runs} seeds ${pct(g.ours.accuracy)} / ${pct(g.ours.connectivity)}   reference ${peer}`,
    );
  }
  return lines;
}

function seedRecords(results: RunResult[], peers: PeerResult[]): BenchRecord[] {
  const records: BenchRecord[] = [];
  for (const [key, g] of seedGroups(results, peers)) {
    for (const [side, s] of [
      ['ours', g.ours],
      ['reference', g.peer],
    ] as const) {
      if (!s) continue;
      records.push({
        benchmark: 'gradr-mnist',
        metric: `gradr ${key}/final test accuracy over seeds (${side})`,
        value: s.accuracy.mean,
        unit: 'fraction',
        config: { ...s },
      });
    }
  }
  return records;
}
