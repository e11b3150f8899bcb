import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumUnavailable, launchChromium } from '../test-chromium.js';
import { cli, REPO } from '../test-cli.js';
import { headline, readCurve, readFiringRates } from './report-curves.js';

// the built CLI as a plain Node process, as users run it; screenshots for a person to look at
const artifacts = resolve(REPO, 'apps/cli/test-artifacts');

describe('report curves from the manifest', () => {
  it('merges the train curve and the demo evaluations by step', () => {
    const curve = readCurve({
      run: {
        curve: [
          { step: 2, epochs: 0.5, trainLoss: 0.09, trainAccuracy: 0.3, connectivity: 0.9 },
          { step: 4, epochs: 1, trainLoss: 0.07, trainAccuracy: 0.5, connectivity: 0.8 },
        ],
      },
      evals: [
        { step: 0, epochs: 0, accuracy: 0.1, connectivity: 1 },
        { step: 4, epochs: 1, accuracy: 0.6, connectivity: 0.8 },
      ],
    });
    expect(curve.map((c) => [c.step, c.trainLoss, c.testAccuracy, c.connectivity])).toEqual([
      [0, null, 0.1, 1],
      [2, 0.09, null, 0.9],
      [4, 0.07, 0.6, 0.8],
    ]);
  });

  it('takes the cards of a run without a finished epoch from its last evaluation', () => {
    const curve = readCurve({
      evals: [
        { step: 0, epochs: 0, accuracy: 0.1, connectivity: 1 },
        { step: 6, epochs: 0.4, accuracy: 0.7, connectivity: 0.85 },
      ],
    });
    expect(headline([], curve, { step: 6 })).toEqual({
      testAccuracy: 0.7,
      connectivity: 0.85,
      epochs: 0.4,
      step: 6,
    });
    // a finished epoch wins over the evaluations
    expect(headline([{ testAccuracy: 0.8, connectivity: 0.7 }], curve, { step: 15 })).toMatchObject({
      testAccuracy: 0.8,
      epochs: 1,
    });
  });

  it('reads the firing rates of the last epoch that measured them and marks the output layer', () => {
    const rates = readFiringRates([
      { epoch: 1, firingRates: { layers: { 'body.2': 0.2, 'body.4': 0.1 }, output: 'body.4' } },
      { epoch: 2 },
    ]);
    expect(rates).toEqual({
      epoch: 1,
      rates: [
        { layer: 'body.2', rate: 0.2, output: false },
        { layer: 'body.4', rate: 0.1, output: true },
      ],
    });
    expect(readFiringRates([{ epoch: 1 }])).toBeNull();
  });
});

const tmp = mkdtempSync(join(tmpdir(), 'synaptogen-report-curves-'));
const dense = join(tmp, 'dense');
const gradr = join(tmp, 'gradr');
const demo = join(tmp, 'demo-mid-epoch');
const train = (out: string, ...extra: string[]) =>
  cli(
    'train',
    '--train-limit',
    '1024',
    '--test-limit',
    '256',
    '--timesteps',
    '4',
    '--batch-size',
    '32',
    '--epochs',
    '2',
    '--curve-every',
    '4',
    '--out',
    out,
    '-q',
    ...extra,
  );

describe('synaptogen train records curves and firing rates; report plots them and compares runs', () => {
  beforeAll(() => {
    for (const [out, extra] of [
      [dense, []],
      [gradr, ['--learner', 'gradr', '--alpha', '0.1']],
    ] as const) {
      const r = train(out, ...extra);
      expect(r.code, r.stderr).toBe(0);
    }
    // a demo checkpoint downloaded mid-epoch: step evaluations, no finished epoch
    mkdirSync(demo);
    const manifest = JSON.parse(readFileSync(join(gradr, 'manifest.json'), 'utf8'));
    manifest.meta = {
      name: 'demo-gradr-mnist-mlp-gradr-step6',
      source: '@synaptogen/demo',
      run: {
        options: { dataset: 'mnist', learner: 'gradr' },
        completedEpochs: 0,
        step: 6,
        trainSeconds: 1.5,
        history: [],
      },
      evals: [0, 2, 4, 6].map((step, i) => ({
        step,
        epochs: step / 8,
        accuracy: [0.1, 0.25, 0.4, 0.55][i],
        connectivity: [1, 0.95, 0.9, 0.85][i],
      })),
    };
    writeFileSync(join(demo, 'manifest.json'), JSON.stringify(manifest));
  }, 300_000);

  it('keeps a curve point every --curve-every steps and the firing rate of every spiking layer in meta.run', () => {
    const run = JSON.parse(readFileSync(join(gradr, 'manifest.json'), 'utf8')).meta.run;
    // 1024 samples / 32 = 32 steps per epoch, 2 epochs, a point every 4 steps
    expect(run.curveEvery).toBe(4);
    expect(run.curve.map((p: { step: number }) => p.step)).toEqual(
      Array.from({ length: 16 }, (_, i) => 4 * (i + 1)),
    );
    expect(run.curve.at(-1).epochs).toBe(2);
    // Grad R prunes as it trains: the curve's connectivity falls
    expect(run.curve.at(-1).connectivity).toBeLessThan(run.curve[0].connectivity);
    for (const h of run.history) {
      // gradr-mnist-mlp: hidden LIF layer body.2, output LIF layer body.4
      expect(Object.keys(h.firingRates.layers)).toEqual(['body.2', 'body.4']);
      expect(h.firingRates.output).toBe('body.4');
      for (const rate of Object.values(h.firingRates.layers) as number[]) expect(rate).toBeGreaterThan(0);
    }
  });

  it('writes the per-step and firing-rate sections', () => {
    expect(cli('report', gradr, '-q').code).toBe(0);
    const html = readFileSync(join(gradr, 'report.html'), 'utf8');
    for (const id of [
      'plot-steps',
      'plot-step-loss',
      'plot-step-connectivity',
      'plot-firing',
      'firing-table',
    ])
      expect(html).toContain(`id="${id}"`);
    expect(html).toContain('body.4 (output)');
  });

  it('compares runs: one page, every run on shared axes, the options that differ', () => {
    const out = join(tmp, 'compare.html');
    const r = cli('report', dense, gradr, '-o', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.report).toBe(out);
    expect(summary.runs.map((x: { run: string }) => x.run)).toEqual([dense, gradr]);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<h1>dense vs gradr</h1>');
    expect(html).toMatch(/<td>learner<\/td><td>dense<\/td><td>gradr<\/td>/);
    expect(html).not.toMatch(/<td>quiet<\/td>/);
    // the options both runs share are not listed
    expect(html).not.toMatch(/<td>batchSize<\/td>/);
  });

  it('explains a --profile given with several runs', () => {
    const r = cli('report', dense, gradr, '--profile', join(tmp, 'x.profile.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--profile names the profile of one run/);
  });

  it('shows the last evaluation of a demo checkpoint downloaded mid-epoch in its cards', () => {
    const r = cli('report', demo, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ epochs: 0, testAccuracy: 0.55, connectivity: 0.85 });
    const html = readFileSync(join(demo, 'report.html'), 'utf8');
    expect(html).toContain('<div class="card">test accuracy<b>55.00%</b></div>');
    expect(html).toContain('<div class="card">epochs<b>0.75 (step 6)</b></div>');
  });
});

const unavailable = chromiumUnavailable();
if (unavailable) console.warn(`[report-curves] ${unavailable}`);

describe.skipIf(unavailable !== null)('per-step reports in headless Chromium (network off)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(artifacts, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens a report offline; returns the page, the plots drawn, and every legend value shown. */
  async function open(
    file: string,
  ): Promise<{ page: Page; plots: number; legend: string[]; problems: string[] }> {
    const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.body.dataset.plots !== undefined, null, { timeout: 20_000 });
    const plots = Number(await page.evaluate(() => document.body.dataset.plots));
    const legend = await page.$$eval('.u-legend .u-value', (els) => els.map((e) => e.textContent ?? ''));
    return { page, plots, legend, problems };
  }

  it('draws the curves by step and the firing rates, with readouts on a static page', async () => {
    const { page, plots, legend, problems } = await open(join(gradr, 'report.html'));
    // by step: accuracy, loss, connectivity; per epoch: 4; firing rates: 1
    expect(plots).toBe(8);
    expect(await page.locator('#plot-step-loss canvas').count()).toBe(1);
    expect(await page.locator('#plot-firing canvas').count()).toBe(1);
    // uPlot shows "--" without a cursor; the report shows each series' last value instead
    expect(legend.length).toBeGreaterThan(10);
    expect(legend.filter((v) => v.trim() === '--' || v.trim() === '')).toEqual([]);
    // the legend of the step curve ends at the last step (64) and the firing-rate chart names the output layer
    expect(await page.textContent('#plot-step-loss .u-legend')).toMatch(/^step64train loss0\.\d+$/);
    expect(await page.textContent('#plot-firing .u-legend')).toContain('body.4 (output)');
    expect(await page.textContent('#firing-table')).toContain('body.4 (output)');
    // moving the cursor over a plot and away again keeps the readout
    await page.hover('#plot-step-loss .u-over');
    await page.mouse.move(5, 5);
    expect(
      await page.$$eval('#plot-step-loss .u-value', (els) => els.map((e) => e.textContent)),
    ).not.toContain('--');
    await page.screenshot({ path: join(artifacts, 'report-steps.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('draws the comparison of two runs', async () => {
    const { page, plots, legend, problems } = await open(join(tmp, 'compare.html'));
    // test accuracy by epoch and by step, train loss and connectivity by step
    expect(plots).toBe(4);
    expect(await page.locator('#compare-table tbody tr').count()).toBe(2);
    expect(legend.filter((v) => v.trim() === '--')).toEqual([]);
    await page.screenshot({ path: join(artifacts, 'report-compare.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('renders a demo checkpoint downloaded mid-epoch: cards and curves, no empty plots', async () => {
    const { page, plots, problems } = await open(join(demo, 'report.html'));
    // the evaluations by step (test accuracy, connectivity); no finished epoch, so no per-epoch plots
    expect(plots).toBe(2);
    const cards = await page.$$eval('.card b', (els) => els.map((e) => e.textContent));
    expect(cards.slice(0, 3)).toEqual(['55.00%', '85.00%', '0.75 (step 6)']);
    await page.screenshot({ path: join(artifacts, 'report-demo-checkpoint.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
