/**
 * What pruning buys on hardware, on real data: trains a dense network and a pruned one (Grad R on MNIST,
 * magnitude pruning to a Loihi core budget on MNIST, SCA on CIFAR-10) briefly, saves both as `synaptogen train` checkpoints, and runs `synaptogen cost` on
 * them: effective ACs/MACs from spikes measured on real test samples, energy under two presets, Loihi
 * cores — side by side.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { batches, loadDataset } from '@synaptogen/datasets/node';
import { Adam, createModel, modelTensors } from '@synaptogen/nn';
import { saveCheckpoint } from '@synaptogen/nn/node';
import { createLearner, TrainingSession } from '@synaptogen/structure';
import { startBenchEngine } from '../engine.js';
import type { BenchContext, Benchmark, BenchRecord } from '../record.js';

interface Side {
  label: string;
  learner: string;
  options: Record<string, unknown>;
  /** Hardware-aware pruning, trained by `synaptogen train --chip <chip> --max-cores <maxCores>`. */
  budget?: { chip: string; maxCores: number };
  /** The learner's `endStep` as a fraction of the run's steps (the rest fine-tunes the pruned net). */
  endFraction?: number;
}

interface Case {
  name: string;
  dataset: 'mnist' | 'cifar10';
  model: string;
  width?: number;
  epochs: number;
  batch: number;
  lr: number;
  /** Training samples (quick, full). */
  train: [number, number];
  /** Test samples for accuracy and for the spike measurement. */
  test: [number, number];
  dense: Side;
  pruned: Side;
}

const PRESETS = '45nm-fp32,45nm-int8-sram';

/** Grad R's MNIST setup, 1 epoch; the pruned side differs per case. */
const MNIST = {
  dataset: 'mnist',
  model: 'gradr-mnist-mlp',
  epochs: 1,
  batch: 128,
  lr: 1e-3,
  train: [10_000, 60_000],
  test: [1000, 10_000],
  dense: { label: 'dense', learner: 'dense', options: {} },
} satisfies Omit<Case, 'name' | 'pruned'>;

const CASES: Case[] = [
  {
    ...MNIST,
    name: 'mnist',
    pruned: { label: 'gradr', learner: 'gradr', options: { alpha: 0.1, targetSparsity: 0.95 } },
  },
  {
    // hardware-aware pruning: the dense net needs 7 Loihi cores; magnitude pruning targets 4 (and 3)
    ...MNIST,
    name: 'mnist-loihi4',
    pruned: {
      label: 'magnitude-loihi4',
      learner: 'magnitude',
      options: { frequency: 25 },
      budget: { chip: 'loihi', maxCores: 4 },
      endFraction: 0.75,
    },
  },
  {
    ...MNIST,
    name: 'mnist-loihi3',
    pruned: {
      label: 'magnitude-loihi3',
      learner: 'magnitude',
      options: { frequency: 25 },
      budget: { chip: 'loihi', maxCores: 3 },
      endFraction: 0.75,
    },
  },
  {
    name: 'cifar10',
    dataset: 'cifar10',
    model: 'conv-small',
    // half width: a 2-core machine trains it in minutes (the full-width net is 4x the MACs)
    width: 0.5,
    epochs: 2,
    batch: 64,
    lr: 1e-3,
    train: [2000, 5000],
    test: [500, 1000],
    dense: { label: 'dense', learner: 'dense', options: {} },
    pruned: { label: 'sca', learner: 'sca', options: { sparsity: 0.5, regrow: 0.1 } },
  },
];

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The built `synaptogen` CLI of this checkout. Other packages' builds may be rewriting it right now (tsup
 * cleans dist first), so wait for it a little before giving up.
 */
async function cliBin(): Promise<string> {
  const bin = resolve(here, '../../cli/dist/bin.js');
  for (let i = 0; i < 24 && !existsSync(bin); i++) await new Promise((r) => setTimeout(r, 5000));
  if (!existsSync(bin))
    throw new Error(
      `hardware-cost: ${bin} not found; build the CLI first (pnpm --filter @synaptogen/cli build)`,
    );
  return bin;
}

/** Trains one side and writes it as a `synaptogen train`-style checkpoint; returns test accuracy and connectivity. */
async function trainSide(c: Case, side: Side, dir: string, ctx: BenchContext) {
  const n = ctx.quick ? c.train[0] : c.train[1];
  const nTest = ctx.quick ? c.test[0] : c.test[1];
  const [trainSet, testSet] = await Promise.all([
    loadDataset(c.dataset, { dataDir: ctx.dataRoot, split: 'train', limit: n, allowMissingBatches: true }),
    loadDataset(c.dataset, { dataDir: ctx.dataRoot, split: 'test', limit: nTest }),
  ]);
  const normalize = trainSet.channels === 3;
  const model = createModel(c.model, {
    inputShape: [trainSet.channels, trainSet.height, trainSet.width],
    classes: trainSet.classes,
    seed: 0,
    width: c.width,
  });
  const perEpoch = Math.ceil(Math.min(n, trainSet.count) / c.batch);
  const options = { ...side.options };
  if (side.endFraction) options.endStep = Math.round(side.endFraction * perEpoch * c.epochs);
  if (side.budget) return trainWithCli(c, side, options, dir, ctx);
  const session = new TrainingSession({
    model,
    learner: createLearner(side.learner, options),
    optimizer: (params) => new Adam(params, { lr: c.lr }),
    lr: c.lr,
    totalSteps: perEpoch * c.epochs,
  });
  const { trainer, learner } = session;
  const history = await trainer.fit({
    epochs: c.epochs,
    train: (epoch) =>
      batches(trainSet, {
        batchSize: c.batch,
        seed: 0,
        epoch,
        limit: n,
        normalize,
        augment: normalize ? { cropPadding: 4, flip: true } : undefined,
      }),
    test: () => batches(testSet, { batchSize: 500, shuffle: false, limit: nTest, normalize }),
    onEpoch: (m) =>
      ctx.log(
        `${c.name} ${side.label}: epoch ${m.epoch} test acc ${(100 * (m.testAccuracy ?? Number.NaN)).toFixed(2)}% (${m.trainSeconds.toFixed(0)} s)`,
      ),
  });
  const report = learner.report();
  await saveCheckpoint(dir, model.config, modelTensors(model), {
    // what `synaptogen cost` reads to pick the dataset
    run: { options: { dataset: c.dataset, model: c.model, learner: side.learner } },
    learner: { name: side.learner, options: learner.options },
    name: side.label,
  });
  const { connectivity, perLayer, pruned, regrown, ...extras } = report;
  if (Object.keys(extras).length)
    ctx.log(`${c.name} ${side.label}: learner report ${JSON.stringify(extras)}`);
  session.dispose();
  const last = history.at(-1)!;
  return {
    testAccuracy: last.testAccuracy ?? Number.NaN,
    connectivity,
    options: learner.options,
    /** The learner's own fit check (budgeted learners): cores and whether they are within the budget. */
    fits: typeof extras.fits === 'boolean' ? extras.fits : undefined,
    learnerCores: typeof extras.cores === 'number' ? extras.cores : undefined,
    trainSeconds: history.reduce((s, m) => s + m.trainSeconds, 0),
  };
}

/**
 * Trains one side with `synaptogen train` (the path a user takes for a core budget): same data, seed,
 * batches and optimizer as `trainSide`, so it compares with the in-process dense run.
 */
async function trainWithCli(
  c: Case,
  side: Side,
  options: Record<string, unknown>,
  dir: string,
  ctx: BenchContext,
) {
  const args = [
    'train',
    ...['--dataset', c.dataset, '--model', c.model, '--learner', side.learner],
    ...['--chip', side.budget!.chip, '--max-cores', String(side.budget!.maxCores)],
    ...Object.entries(options).flatMap(([k, v]) => ['--learner-option', `${k}=${JSON.stringify(v)}`]),
    ...['--epochs', String(c.epochs), '--batch-size', String(c.batch), '--lr', String(c.lr), '--seed', '0'],
    ...['--train-limit', String(ctx.quick ? c.train[0] : c.train[1])],
    ...['--test-limit', String(ctx.quick ? c.test[0] : c.test[1])],
    ...['--data-dir', ctx.dataRoot, '--backend', 'wasm', '--out', dir, '--json', '-q'],
  ];
  if (c.width) args.push('--width', String(c.width));
  const r = spawnSync(process.execPath, [await cliBin(), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`synaptogen ${args.join(' ')} failed: ${r.stderr.trim()}`);
  const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    testAccuracy: number;
    connectivity: number;
    trainSeconds: number;
    learnerOptions: Record<string, unknown>;
    learnerReport: Record<string, unknown>;
  };
  ctx.log(
    `${c.name} ${side.label}: synaptogen ${args.slice(0, 14).join(' ')} ...: test acc ${(100 * s.testAccuracy).toFixed(2)}% (${s.trainSeconds.toFixed(0)} s); learner report ${JSON.stringify(s.learnerReport)}`,
  );
  return {
    testAccuracy: s.testAccuracy,
    connectivity: s.connectivity,
    options: s.learnerOptions,
    fits: typeof s.learnerReport.fits === 'boolean' ? s.learnerReport.fits : undefined,
    learnerCores: typeof s.learnerReport.cores === 'number' ? s.learnerReport.cores : undefined,
    trainSeconds: s.trainSeconds,
  };
}

async function cost(args: string[]): Promise<string> {
  const r = spawnSync(process.execPath, [await cliBin(), 'cost', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`synaptogen cost ${args.join(' ')} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

interface Summary {
  effectiveACs: number;
  effectiveMACs: number;
  energy: Record<string, number>;
  cores: number;
  chips: number;
  nonzeroWeights: number;
  activationSparsity: number;
  bindingLimit: string | null;
}

export const hardwareCost: Benchmark = {
  name: 'hardware-cost',
  description:
    'dense vs pruned on real data (MNIST dense vs Grad R, MNIST dense vs magnitude pruning to 4- and 3-Loihi-core budgets, CIFAR-10 dense vs SCA): effective ACs, energy under two presets, Loihi cores, from measured spikes',
  async run(ctx) {
    await startBenchEngine(ctx);
    const records: BenchRecord[] = [];
    const only = process.env.HARDWARE_COST_CASES?.split(',');
    for (const c of CASES.filter((k) => !only || only.includes(k.name))) {
      const root = mkdtempSync(join(tmpdir(), `synaptogen-hw-${c.name}-`));
      try {
        records.push(...(await runCase(c, root, ctx)));
      } catch (e) {
        // one case failing (e.g. a learner still in progress) must not lose the others' figures
        ctx.log(`${c.name}: FAILED: ${(e as Error).message}`);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
    if (!records.length) throw new Error('hardware-cost: every case failed');
    return records;
  },
};

async function runCase(c: Case, root: string, ctx: BenchContext): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  const trained: Record<string, Awaited<ReturnType<typeof trainSide>>> = {};
  for (const side of [c.dense, c.pruned])
    trained[side.label] = await trainSide(c, side, join(root, side.label), ctx);
  const nTest = ctx.quick ? c.test[0] : c.test[1];
  const common = [
    '--data-dir',
    ctx.dataRoot,
    '--samples',
    String(nTest),
    '--chip',
    'loihi',
    '--preset',
    PRESETS,
    '-q',
  ];
  const dirs = [join(root, c.dense.label), join(root, c.pruned.label)];
  // one run gives the text tables on stdout and the JSON line in a file
  const jsonFile = join(root, 'cost.json');
  const table = await cost([...dirs, ...common, '--json-out', jsonFile]);
  ctx.log(
    `${c.name}: ${c.model}, ${c.dense.label} vs ${c.pruned.label} (${JSON.stringify(trained[c.pruned.label].options)}), ${nTest} test samples`,
  );
  for (const [label, t] of Object.entries(trained))
    ctx.log(
      `  ${label}: test accuracy ${(100 * t.testAccuracy).toFixed(2)}%, connectivity ${(100 * t.connectivity).toFixed(2)}%`,
    );
  for (const line of table.trimEnd().split('\n')) ctx.log(line);
  const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as {
    a: Summary;
    b: Summary;
    savings: Record<string, number | null>;
  };
  const config = {
    dataset: c.dataset,
    model: c.model,
    width: c.width ?? 1,
    epochs: c.epochs,
    trainSamples: ctx.quick ? c.train[0] : c.train[1],
    testSamples: nTest,
    presets: PRESETS,
    chip: 'loihi',
  };
  for (const [side, s] of [
    [c.dense, json.a],
    [c.pruned, json.b],
  ] as const) {
    const t = trained[side.label];
    const cfg = { ...config, learner: side.learner, options: t.options };
    const rec = (metric: string, value: number, unit: string) =>
      records.push({
        benchmark: 'hardware-cost',
        metric: `${c.name}/${side.label}/${metric}`,
        value,
        unit,
        config: cfg,
      });
    rec('test-accuracy', t.testAccuracy, 'fraction');
    rec('connectivity', t.connectivity, 'fraction');
    rec('effective-ACs', s.effectiveACs, 'ops/sample');
    rec('effective-MACs', s.effectiveMACs, 'ops/sample');
    for (const [p, v] of Object.entries(s.energy)) rec(`energy-${p}`, v / 1e3, 'nJ/sample');
    rec('loihi-cores', s.cores, 'cores');
    if (side.budget) {
      rec('max-cores', side.budget.maxCores, 'cores');
      rec('fits-budget', Number(s.cores <= side.budget.maxCores), 'boolean');
    }
    rec('activation-sparsity', s.activationSparsity, 'fraction');
  }
  for (const [k, v] of Object.entries(json.savings))
    if (v !== null)
      records.push({
        benchmark: 'hardware-cost',
        metric: `${c.name}/saving/${k}`,
        value: v,
        unit: 'fraction',
        config,
      });
  ctx.log(`${c.name}: one table (per test sample, ${nTest} samples)`);
  for (const line of oneTable(c, trained, json.a, json.b).split('\n')) ctx.log(`  ${line}`);
  return records;
}

const si = (n: number) =>
  n >= 1e9
    ? `${(n / 1e9).toPrecision(3)}G`
    : n >= 1e6
      ? `${(n / 1e6).toPrecision(3)}M`
      : n >= 1e3
        ? `${(n / 1e3).toPrecision(3)}k`
        : n.toFixed(0);

const energy = (pj: number) =>
  pj >= 1e6
    ? `${(pj / 1e6).toPrecision(3)} µJ`
    : pj >= 1e3
      ? `${(pj / 1e3).toPrecision(3)} nJ`
      : `${pj.toPrecision(3)} pJ`;

/** Accuracy, connectivity and the hardware figures of both networks in one table. */
function oneTable(
  c: Case,
  trained: Record<string, { testAccuracy: number; connectivity: number }>,
  a: Summary,
  b: Summary,
): string {
  const presets = Object.keys(a.energy);
  const rows = [
    [
      'network',
      'test acc',
      'connectivity',
      'eff. ACs',
      'eff. MACs',
      ...presets.map((p) => `energy ${p}`),
      'loihi cores',
    ],
  ];
  for (const [side, s] of [
    [c.dense, a],
    [c.pruned, b],
  ] as const) {
    const t = trained[side.label];
    rows.push([
      `${c.model}${c.width ? ` x${c.width}` : ''} ${side.label}`,
      `${(100 * t.testAccuracy).toFixed(2)}%`,
      `${(100 * t.connectivity).toFixed(2)}%`,
      si(s.effectiveACs),
      si(s.effectiveMACs),
      ...presets.map((p) => energy(s.energy[p])),
      String(s.cores),
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) => r.map((cell, i) => (i ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  '))
    .join('\n');
}
