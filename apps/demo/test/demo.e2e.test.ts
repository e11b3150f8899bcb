import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumUnavailable, launchChromium, repoRoot } from './browser.js';

const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = join(demoDir, 'test-artifacts');
const dataRoot = process.env.SYNAPTOGEN_DATA ?? resolve(repoRoot, '../shared/data');
const unavailable = chromiumUnavailable();
if (unavailable) console.warn(`[demo e2e] ${unavailable}`);

interface DemoState {
  ready: boolean;
  running: boolean;
  paused: boolean;
  backend: string;
  kernels: string;
  step: number;
  evals: { step: number; accuracy: number; connectivity: number }[];
  rasterSpikes: number;
  error: string;
}

const demoState = (page: Page) => page.evaluate(() => (window as unknown as { __demo: DemoState }).__demo);

describe.skipIf(unavailable !== null)('demo page in headless Chromium', () => {
  let server: ViteDevServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const navigations: string[] = [];

  beforeAll(async () => {
    server = await createServer({
      root: demoDir,
      configFile: join(demoDir, 'vite.config.ts'),
      logLevel: 'error',
      server: { port: 0, host: '127.0.0.1' },
    });
    await server.listen();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame())
        navigations.push(`${f.url()} after ${(performance.now() / 1000).toFixed(1)} s`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads, trains under Grad R in a worker, plots accuracy and falling connectivity, pauses, downloads', async () => {
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite dev server did not report a URL');
    await page.goto(url);
    await page.waitForFunction(() => (window as any).__demo?.ready || (window as any).__demo?.error, null, {
      timeout: 60_000,
    });
    let s = await demoState(page);
    expect(s.error).toBe('');
    expect(s.backend).toMatch(/^wasm \(\d+ threads?\)$/);
    // synaptogen's own kernels (conv gradients, fused neurons) run inside the page's worker
    expect(s.kernels).toMatch(/^@synaptogen\/wasm-simd \(\d+ kernels/);
    const learners = await page.$$eval('#learner option', (os) =>
      os.map((o) => (o as HTMLOptionElement).value),
    );
    expect(learners).toEqual(expect.arrayContaining(['dense', 'gradr', 'deepr', 'magnitude']));

    // a short Grad R run: up to 2560 samples (40 steps), T = 4, evaluation every 4 steps on 250 test digits
    await page.selectOption('#learner', 'gradr');
    for (const [id, value] of Object.entries({
      trainSamples: '2560',
      testSamples: '250',
      evalEvery: '4',
      timesteps: '4',
      lr: '0.002',
    }))
      await page.fill(`#${id}`, value);
    await page.click('#start');

    // pause holds the step count, resume continues (early, while the run is surely going)
    await page.waitForFunction(() => (window as any).__demo.step >= 2, null, { timeout: 60_000 });
    await page.click('#pause');
    await page.waitForFunction(() => (window as any).__demo.paused, null, { timeout: 10_000 });
    const at = (await demoState(page)).step;
    await page.waitForTimeout(1000);
    expect((await demoState(page)).step).toBe(at);
    await page.click('#pause');
    await page.waitForFunction((n) => (window as any).__demo.step > n, at, { timeout: 20_000 });

    await page.waitForFunction(
      () => {
        const d = (window as any).__demo;
        return (
          d.error ||
          (d.evals.length >= 4 && d.evals.at(-1).accuracy > 0.25) ||
          (!d.running && d.evals.length > 1)
        );
      },
      null,
      { timeout: 90_000, polling: 250 },
    );
    s = await demoState(page);
    expect(s.error).toBe('');
    const points = Number(await page.getAttribute('#plot-accuracy', 'data-points'));
    expect(points).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#plot-accuracy canvas').count()).toBeGreaterThan(0);
    const first = s.evals[0];
    const last = s.evals.at(-1)!;
    expect(first.connectivity).toBe(1);
    expect(last.connectivity).toBeLessThan(0.97);
    expect(last.accuracy).toBeGreaterThan(0.25);
    expect(s.rasterSpikes).toBeGreaterThan(0);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'demo-gradr.png'), fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.click('#download'),
    ]);
    const zipPath = join(artifacts, download.suggestedFilename());
    await download.saveAs(zipPath);
    const files = unzipSync(readFileSync(zipPath));
    const manifestName = Object.keys(files).find((f) => f.endsWith('/manifest.json'));
    expect(manifestName).toBeDefined();
    const manifest = JSON.parse(new TextDecoder().decode(files[manifestName!]));
    expect(manifest.format).toBe('synaptogen-checkpoint');
    expect(manifest.model.name).toBe('gradr-mnist-mlp');
    expect(manifest.meta.learner.name).toBe('gradr');
    // .log, not .json: the repository's formatter would lint a .json artifact
    writeFileSync(join(artifacts, 'demo-state.log'), JSON.stringify(await demoState(page), null, 2));
    if ((await demoState(page)).running) {
      await page.click('#stop');
      await page.waitForFunction(() => !(window as any).__demo.running, null, { timeout: 20_000 });
    }
    expect(pageErrors).toEqual([]);
    // one navigation: the dev server did not reload the page mid-run (late dependency discovery)
    expect(navigations, navigations.join('; ')).toHaveLength(1);
  });

  it('trains from MNIST files the user picks (the path of a static build)', async () => {
    const mnistDir = join(dataRoot, 'mnist');
    const names = [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ];
    await page.check('input[name="source"][value="files"]');
    await page.setInputFiles(
      '#files',
      names.map((n) => join(mnistDir, `${n}.gz`)),
    );
    await page.selectOption('#learner', 'dense');
    for (const [id, value] of Object.entries({ trainSamples: '128', testSamples: '100', evalEvery: '1' }))
      await page.fill(`#${id}`, value);
    await page.click('#start');
    await page.waitForFunction(
      () =>
        (window as any).__demo.error ||
        (!(window as any).__demo.running && (window as any).__demo.step === 2),
      null,
      {
        timeout: 60_000,
        polling: 250,
      },
    );
    const s = await demoState(page);
    expect(s.error).toBe('');
    expect(s.evals.map((e) => e.step)).toEqual([0, 1, 2]);
    expect(s.evals.every((e) => e.connectivity === 1)).toBe(true);
    expect(await page.textContent('#status')).toMatch(/done after 2 steps/);
  });
});
