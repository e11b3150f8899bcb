import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { BenchContext, Benchmark, BenchRecord } from '../record.js';

/**
 * `synaptogen sweep` end to end on real MNIST (gradr-mnist-mlp, T=8, batch 128, Adam lr 1e-3):
 * Grad R over five α × two seeds, 3 epochs each, then magnitude pruning and Deep R at the connectivity
 * each α reached (same seeds), all with `--workers 2`; then `synaptogen report` of the sweep
 * directory, opened in Chromium, with a check that the plot draws every point. --quick trains on
 * 3000 / tests on 1000 samples (same grid, same epochs). The sweep directory (apps/bench/runs/
 * gradr-sweep[-quick]) is kept: running the bench again skips the points already finished.
 * GRADR_SWEEP_ALPHAS="0.02,0.1" and GRADR_SWEEP_SEEDS="1" shrink the grid.
 */
const ALPHAS = [0.01, 0.02, 0.05, 0.1, 0.2];
const SEEDS = [1, 2];
const EPOCHS = 3;
const BATCH = 128;

const here = dirname(fileURLToPath(import.meta.url));
const cliPath = resolve(here, '../../cli/dist/bin.js');
const repoRoot = resolve(here, '../../..');

const list = (name: string, fallback: number[]) =>
  process.env[name] ? process.env[name]!.split(',').map((x) => Number(x.trim())) : fallback;

/** The built CLI; another build may be rewriting it right now (tsup cleans dist first), so wait a little. */
async function cliBin(): Promise<string> {
  for (let i = 0; i < 24 && !existsSync(cliPath); i++) await new Promise((r) => setTimeout(r, 5000));
  if (!existsSync(cliPath))
    throw new Error(
      `gradr-sweep: ${cliPath} not found; build the CLI first (pnpm --filter @synaptogen/cli build)`,
    );
  return cliPath;
}

/** Runs the CLI, passing its progress lines on; resolves with the last stdout line (its JSON). */
function runCli(ctx: BenchContext, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, SYNAPTOGEN_DATA: ctx.dataRoot },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    let partial = '';
    child.stderr.on('data', (d) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const l of lines) ctx.log(l);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) fail(new Error(`gradr-sweep: synaptogen ${args[0]} exited with ${code}`));
      else done(stdout.trim().split('\n').at(-1) ?? '');
    });
  });
}

interface SweepPointLine {
  id: string;
  params: Record<string, unknown>;
  status: string;
  connectivity: number | null;
  testAccuracy: number | null;
}

async function sweep(ctx: BenchContext, file: string, spec: unknown, out: string): Promise<SweepPointLine[]> {
  writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
  const last = await runCli(ctx, [
    'sweep',
    file,
    '--out',
    out,
    '--workers',
    '2',
    '--json',
    '--cost-samples',
    '1000',
  ]);
  const points = (JSON.parse(last) as { points: SweepPointLine[] }).points;
  const failed = points.filter((p) => p.status !== 'done');
  if (failed.length) throw new Error(`gradr-sweep: ${failed.length} points did not finish (${file})`);
  return points;
}

/**
 * Runs in the report page: for each finished point, where uPlot drew it (canvas pixels), whether
 * that is inside the plot area, and whether the canvas is painted there rather than left white.
 */
function drawnMarks() {
  const u = (window as any).sweepPlot;
  const d = JSON.parse(document.getElementById('report-data')!.textContent!);
  const ctx = (u.ctx as CanvasRenderingContext2D).canvas.getContext('2d')!;
  return (d.plot.marks as { id: string; series: number; index: number }[]).map((m) => {
    const left = u.valToPos(u.data[0][m.index], 'x', true);
    const top = u.valToPos(u.data[m.series][m.index], 'y', true);
    const b = u.bbox;
    const inside = left >= b.left && left <= b.left + b.width && top >= b.top && top <= b.top + b.height;
    const px = ctx.getImageData(Math.round(left), Math.round(top), 1, 1).data;
    return { id: m.id, inside, painted: px[3] > 0 && Math.min(px[0], px[1], px[2]) < 200 };
  });
}

/** Opens the report offline in Debian's Chromium, screenshots it, and counts the points drawn. */
async function screenshot(ctx: BenchContext, html: string, png: string, ids: string[]) {
  const executablePath = process.env.SYNAPTOGEN_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath))
    spawnSync('bash', [join(repoRoot, 'scripts/install-chromium.sh')], { stdio: 'inherit' });
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await (
      await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } })
    ).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(html).href);
    await page.waitForFunction(() => document.body.dataset.plots !== undefined, null, { timeout: 30_000 });
    const marks = await page.evaluate(drawnMarks);
    await page.screenshot({ path: png, fullPage: true });
    const drawn = marks.filter((m) => m.inside && m.painted && ids.includes(m.id)).length;
    const missing = ids.filter((id) => !marks.some((m) => m.id === id && m.inside && m.painted));
    ctx.log(`report: ${drawn} of ${ids.length} points drawn in the plot; screenshot ${png}`);
    if (errors.length) throw new Error(`gradr-sweep: the report page failed: ${errors.join('; ')}`);
    if (missing.length) throw new Error(`gradr-sweep: the plot does not show points ${missing.join(', ')}`);
    return drawn;
  } finally {
    await browser.close();
  }
}

export const gradrSweep: Benchmark = {
  name: 'gradr-sweep',
  description:
    'synaptogen sweep --workers 2 on MNIST: Grad R (5 α × 2 seeds, 3 epochs) + magnitude and Deep R at matched connectivity, then the sweep report in Chromium',
  async run(ctx) {
    await cliBin();
    const alphas = list('GRADR_SWEEP_ALPHAS', ALPHAS);
    const seeds = list('GRADR_SWEEP_SEEDS', SEEDS);
    const limits = ctx.quick ? { trainLimit: 3000, testLimit: 1000 } : {};
    const out = resolve(here, '..', 'runs', `gradr-sweep${ctx.quick ? '-quick' : ''}`);
    mkdirSync(dirname(out), { recursive: true });
    const base = { dataset: 'mnist', model: 'gradr-mnist-mlp', epochs: EPOCHS, batchSize: BATCH, ...limits };
    const started = Date.now();

    const gradr = await sweep(
      ctx,
      `${out}.gradr.json`,
      { base: { ...base, learner: 'gradr' }, grid: { alpha: alphas, seed: seeds } },
      out,
    );
    // magnitude and Deep R prune to the connectivity each α reached (mean over seeds)
    const stepsPerEpoch = Math.ceil((limits.trainLimit ?? 60000) / BATCH);
    const targets = alphas.map((alpha) => {
      const conn = gradr.filter((p) => p.params.alpha === alpha).map((p) => p.connectivity!);
      return Number((1 - conn.reduce((a, b) => a + b, 0) / conn.length).toFixed(4));
    });
    ctx.log(`matched sparsities: ${targets.map((t, i) => `α=${alphas[i]} → ${t}`).join(', ')}`);
    const matched = await sweep(
      ctx,
      `${out}.matched.json`,
      {
        base,
        grid: { seed: seeds },
        points: targets.flatMap((targetSparsity) => [
          { learner: 'deepr', targetSparsity },
          {
            learner: 'magnitude',
            targetSparsity,
            // prune over the first two thirds of training, fine-tune the rest (Zhu & Gupta), as gradr-mnist
            learnerOption: { scope: 'global', endStep: Math.round((2 * stepsPerEpoch * EPOCHS) / 3) },
          },
        ]),
      },
      out,
    );
    const sweepSeconds = (Date.now() - started) / 1000;

    const report = JSON.parse(await runCli(ctx, ['report', out, '--json'])) as {
      report: string;
      json: string;
    };
    const table = JSON.parse(readFileSync(report.json, 'utf8')) as {
      settings: {
        method: string;
        setting: string;
        seeds: number;
        pareto: boolean;
        testAccuracy: { mean: number; min: number; max: number };
        connectivity: { mean: number; min: number; max: number };
        energyPicojoules: number | null;
      }[];
    };
    // this bench's points only (the directory may hold points of earlier, different grids)
    const ids = [...gradr, ...matched].map((p) => p.id);
    const drawn = await screenshot(ctx, report.report, join(out, 'report.png'), ids);

    const config = {
      ...base,
      alphas,
      seeds,
      workers: 2,
      quick: ctx.quick,
      sweepDir: out,
      report: report.report,
    };
    const records: BenchRecord[] = [
      { benchmark: 'gradr-sweep', metric: 'points', value: ids.length, unit: 'runs', config },
      {
        benchmark: 'gradr-sweep',
        metric: 'points drawn in the report plot',
        value: drawn,
        unit: 'runs',
        config,
      },
      {
        benchmark: 'gradr-sweep',
        metric: 'sweep wall time (points run in this call)',
        value: sweepSeconds,
        unit: 's',
        config,
      },
    ];
    for (const g of table.settings) {
      const c = {
        ...config,
        seeds: g.seeds,
        range: { testAccuracy: g.testAccuracy, connectivity: g.connectivity },
        pareto: g.pareto,
      };
      records.push(
        {
          benchmark: 'gradr-sweep',
          metric: `${g.method} ${g.setting}/test accuracy (mean of seeds)`,
          value: g.testAccuracy.mean,
          unit: 'fraction',
          config: c,
        },
        {
          benchmark: 'gradr-sweep',
          metric: `${g.method} ${g.setting}/connectivity (mean of seeds)`,
          value: g.connectivity.mean,
          unit: 'fraction',
          config: c,
        },
      );
      if (g.energyPicojoules !== null)
        records.push({
          benchmark: 'gradr-sweep',
          metric: `${g.method} ${g.setting}/energy per sample`,
          value: g.energyPicojoules,
          unit: 'pJ',
          config: c,
        });
    }
    for (const g of [...table.settings].sort(
      (a, b) => a.method.localeCompare(b.method) || a.connectivity.mean - b.connectivity.mean,
    ))
      ctx.log(
        `${g.method.padEnd(10)} ${g.setting.padEnd(28)} acc ${(100 * g.testAccuracy.mean).toFixed(2)}% (${(100 * g.testAccuracy.min).toFixed(2)}–${(100 * g.testAccuracy.max).toFixed(2)})  conn ${(100 * g.connectivity.mean).toFixed(2)}%${g.pareto ? '  Pareto' : ''}`,
      );
    return records;
  },
};
