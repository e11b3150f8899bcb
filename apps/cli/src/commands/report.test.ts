import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';

// The built CLI as a plain Node process, as users run it.
const here = dirname(fileURLToPath(import.meta.url));
const cliRoot = resolve(here, '../..');
const repoRoot = resolve(cliRoot, '../..');
const bin = join(cliRoot, 'dist/bin.js');
const dataRoot = process.env.SYNAPTOGEN_DATA ?? resolve(repoRoot, '../shared/data');
const artifacts = join(cliRoot, 'test-artifacts');
const chromiumPath = process.env.SYNAPTOGEN_CHROMIUM ?? '/usr/bin/chromium';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SYNAPTOGEN_DATA: dataRoot },
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Debian's Chromium; the project's install script is tried once when it is missing. */
function chromiumUnavailable(): string | null {
  if (existsSync(chromiumPath)) return null;
  const r = spawnSync('bash', [join(repoRoot, 'scripts/install-chromium.sh')], { encoding: 'utf8' });
  if (existsSync(chromiumPath)) return null;
  return `Chromium is not at ${chromiumPath} and scripts/install-chromium.sh failed (exit ${r.status}); report screenshot test skipped`;
}

const tmp = mkdtempSync(join(tmpdir(), 'synaptogen-report-'));
const runDir = join(tmp, 'run');

describe('synaptogen report (built, run by node)', () => {
  beforeAll(() => {
    // a real short Grad R run on MNIST, then its cost profile (firing rates, cost table)
    const train = cli(
      'train',
      '--dataset',
      'mnist',
      '--model',
      'gradr-mnist-mlp',
      '--learner',
      'gradr',
      '--epochs',
      '2',
      '--train-limit',
      '512',
      '--test-limit',
      '256',
      '--timesteps',
      '4',
      '--batch-size',
      '64',
      '--out',
      runDir,
      '-q',
    );
    expect(train.code, train.stderr).toBe(0);
    const cost = cli('cost', runDir, '--samples', '100', '--save-profiles', runDir, '-q');
    expect(cost.code, cost.stderr).toBe(0);
  }, 240_000);

  it('writes a self-contained HTML report from the run metrics', () => {
    const r = cli('report', runDir, '--json');
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ report: join(runDir, 'report.html'), epochs: 2, cost: true });
    const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8'));
    expect(summary.testAccuracy).toBe(manifest.meta.run.history[1].testAccuracy);
    const html = readFileSync(summary.report, 'utf8');
    // no external resource of any kind; uPlot and the data are inline
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src="?http|url\(['"]?http/);
    expect(html).toContain("default-src 'none'");
    expect(html).toMatch(/uPlot/);
    // readable layer names, with the parameter each stands for
    expect(html).toContain('<th>sparsity fc1</th>');
    expect(html).toContain('fc2 = <code>body.3.weight</code>');
    expect(html).toContain('id="cost-table"');
  });

  it('reads a browser-demo checkpoint: step-level evaluations, no profile', () => {
    const dir = join(tmp, 'demo-run');
    mkdirSync(dir);
    const history = [
      {
        epoch: 1,
        trainLoss: 0.09,
        trainAccuracy: 0.4,
        testLoss: 0.08,
        testAccuracy: 0.5,
        connectivity: 0.8,
        connectivityPerLayer: { 'body.1.weight': 0.79, 'body.3.weight': 0.97 },
        trainSeconds: 3,
      },
    ];
    const evals = [0, 4, 8].map((step, i) => ({ step, accuracy: 0.1 + 0.2 * i, connectivity: 1 - 0.1 * i }));
    const manifest = {
      format: 'synaptogen-checkpoint',
      version: 1,
      model: {
        name: 'gradr-mnist-mlp',
        T: 4,
        inputShape: [1, 28, 28],
        classes: 10,
        seed: 0,
        loss: 'mse-rate',
      },
      tensors: [],
      weightsFile: 'weights.bin',
      weightsByteLength: 0,
      meta: { name: 'demo-run', run: { options: { dataset: 'mnist', learner: 'gradr' }, history }, evals },
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const r = cli('report', dir, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      epochs: 1,
      testAccuracy: 0.5,
      connectivity: 0.8,
      cost: false,
    });
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('id="plot-steps"');
    expect(html).toContain('No network profile');
    // the sparsity column is 1 − connectivity of that layer
    expect(html).toContain('<td>21.00%</td>');
  });

  it('explains bad input and exits non-zero', () => {
    const notRun = mkdtempSync(join(tmpdir(), 'synaptogen-report-bad-'));
    writeFileSync(join(notRun, 'manifest.json'), '{"format": "something-else"}');
    const cases: [string[], RegExp][] = [
      [['report', join(tmp, 'missing')], /run directory .*missing does not exist/],
      [['report', tmp], /has no manifest\.json/],
      [['report', notRun], /is not a synaptogen checkpoint manifest/],
      [['report', runDir, '--profile', join(tmp, 'nope.json')], /--profile .*nope\.json does not exist/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });

  const unavailable = chromiumUnavailable();
  if (unavailable) console.warn(`[report] ${unavailable}`);

  it.skipIf(unavailable !== null)(
    'opens in headless Chromium with the network off and draws its plots',
    async () => {
      const out = join(tmp, 'report.html');
      expect(cli('report', runDir, '-o', out, '-q').code).toBe(0);
      const browser = await chromium.launch({
        executablePath: chromiumPath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      });
      try {
        const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } });
        const requested: string[] = [];
        await context.route('**/*', (route) => {
          const url = route.request().url();
          if (url.startsWith('file:')) return route.continue();
          requested.push(url);
          return route.abort();
        });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        await page.goto(pathToFileURL(out).href);
        await page.waitForFunction(() => document.body.dataset.plots !== undefined, null, {
          timeout: 20_000,
        });
        // by step: accuracy, loss, connectivity; per epoch: accuracy, loss, connectivity, per-layer
        // sparsity; firing rates of the spiking layers; input rates of the synaptic layers (profile)
        expect(Number(await page.evaluate(() => document.body.dataset.plots))).toBe(9);
        expect(await page.locator('.uplot canvas').count()).toBe(9);
        expect(await page.locator('#epochs tbody tr').count()).toBe(2);
        expect(await page.locator('#cost-table tbody tr').count()).toBe(2);
        mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
        expect(requested).toEqual([]);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
