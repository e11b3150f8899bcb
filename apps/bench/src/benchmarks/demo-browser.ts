import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type Benchmark, type BenchRecord, median } from '../record.js';
import { serveStatic } from './static-server.js';

// bundled into apps/bench/dist/run.js: the demo app is next door
const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../demo');
const repoRoot = resolve(demoDir, '../..');

/** The demo's MLP job: Grad R's MNIST net, T = 8, batch 128 (as train-throughput and the main job). */
const JOB = {
  model: 'gradr-mnist-mlp',
  learner: 'gradr',
  timesteps: 8,
  batchSize: 128,
  seed: 0,
} as const;
const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];
/**
 * The pages compared: the build with COOP/COEP (threads), without (one thread), and with COOP/COEP but
 * `?threads=1`, which separates what the threads do from what isolation does.
 */
const VARIANTS = [
  { label: 'isolated', isolated: true, query: '', threads: (n: number) => n >= 2, expected: '≥ 2' },
  { label: 'not isolated', isolated: false, query: '', threads: (n: number) => n === 1, expected: '1' },
  {
    label: 'isolated, ?threads=1',
    isolated: true,
    query: '?threads=1',
    threads: (n: number) => n === 1,
    expected: '1',
  },
] as const;
type Variant = (typeof VARIANTS)[number];

/** Steps each page trains before the first window (wasm compile, first-step allocations). */
const WARMUP_STEPS = 5;

interface PageFigures {
  step: number;
  trainedSamples: number;
  trainSeconds: number;
  paused: boolean;
  running: boolean;
  error: string;
}

interface Served {
  variant: Variant;
  page: Page;
  mode: string;
  threads: number;
  /** tfjs' backend and the kernels, as the page reports them. */
  backend: string;
  kernels: string;
  windows: { samplesPerSecond: number; wallSamplesPerSecond: number; samples: number }[];
}

const figures = (page: Page): Promise<PageFigures> =>
  page.evaluate(() => {
    const d = (window as any).__demo;
    return {
      step: d.step,
      trainedSamples: d.trainedSamples,
      trainSeconds: d.trainSeconds,
      paused: d.paused,
      running: d.running,
      error: d.error,
    };
  });

/** `vite build` of the demo into a temporary folder: the static site a host serves. */
function buildDemo(out: string): void {
  const vite = join(demoDir, 'node_modules/vite/bin/vite.js');
  const r = spawnSync(
    process.execPath,
    [vite, 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: demoDir,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0)
    throw new Error(`demo-browser: vite build of ${demoDir} failed (${r.status}): ${r.stderr}`);
}

async function launch(): Promise<Browser> {
  const executablePath = process.env.SYNAPTOGEN_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath))
    spawnSync('bash', [join(repoRoot, 'scripts/install-chromium.sh')], { stdio: 'inherit' });
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** Opens the built page, picks the MNIST files, starts a long run, trains the warm-up steps and pauses. */
async function openAndWarm(
  browser: Browser,
  url: string,
  variant: Variant,
  mnistDir: string,
): Promise<Served> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => (window as any).__demo?.ready || (window as any).__demo?.error, null, {
    timeout: 60_000,
  });
  const ready = await page.evaluate(() => (window as any).__demo);
  if (ready.error) throw new Error(`demo-browser: the page at ${url} failed: ${ready.error}`);
  // a static build has no data endpoint: the files are picked, as a visitor of a static host does
  await page.check('input[name="source"][value="files"]');
  await page.setInputFiles(
    '#files',
    MNIST_FILES.map((n) => join(mnistDir, `${n}.gz`)),
  );
  await page.selectOption('#model', JOB.model);
  await page.selectOption('#learner', JOB.learner);
  for (const [id, value] of Object.entries({
    epochs: '100',
    batchSize: String(JOB.batchSize),
    timesteps: String(JOB.timesteps),
    trainSamples: '60000',
    testSamples: '100',
    // no evaluation during the windows: they time training alone
    evalEvery: '1000000',
    seed: String(JOB.seed),
  }))
    await page.fill(`#${id}`, value);
  await page.click('#start');
  await page.waitForFunction(
    (n) => (window as any).__demo.error || (window as any).__demo.step >= n,
    WARMUP_STEPS,
    { timeout: 180_000, polling: 100 },
  );
  await page.click('#pause');
  await page.waitForFunction(() => (window as any).__demo.paused || (window as any).__demo.error, null, {
    timeout: 30_000,
  });
  const f = await figures(page);
  if (f.error || errors.length)
    throw new Error(`demo-browser: training on ${url} failed: ${f.error || errors.join('; ')}`);
  return {
    variant,
    page,
    mode: ready.mode,
    threads: ready.threads,
    backend: ready.backend,
    kernels: ready.kernels,
    windows: [],
  };
}

/** Resumes the paused page for `seconds`, pauses it, and records the window's samples/s. */
async function trainWindow(s: Served, seconds: number): Promise<void> {
  const before = await figures(s.page);
  const t0 = performance.now();
  await s.page.click('#pause'); // the button reads "Resume" while paused
  await s.page.waitForFunction(() => !(window as any).__demo.paused, null, { timeout: 10_000 });
  await s.page.waitForTimeout(seconds * 1000);
  await s.page.click('#pause');
  await s.page.waitForFunction(() => (window as any).__demo.paused || (window as any).__demo.error, null, {
    timeout: 30_000,
  });
  const wall = (performance.now() - t0) / 1000;
  const after = await figures(s.page);
  if (after.error) throw new Error(`demo-browser: training failed: ${after.error}`);
  if (!after.running) throw new Error('demo-browser: the run ended inside a window; train for more epochs');
  const samples = after.trainedSamples - before.trainedSamples;
  s.windows.push({
    samples,
    samplesPerSecond: samples / (after.trainSeconds - before.trainSeconds),
    wallSamplesPerSecond: samples / wall,
  });
}

export const demoBrowser: Benchmark = {
  name: 'demo-browser',
  description:
    'the built demo page in headless Chromium: MLP training samples/s cross-origin isolated (threads), not (one thread), and isolated with ?threads=1, in alternated windows',
  async run(ctx) {
    const rounds = ctx.quick ? 2 : 5;
    const windowSeconds = ctx.quick ? 4 : 10;
    const mnistDir = join(ctx.dataRoot, 'mnist');
    const missing = MNIST_FILES.filter((n) => !existsSync(join(mnistDir, `${n}.gz`)));
    if (missing.length)
      throw new Error(
        `demo-browser: expected the gzipped MNIST files in ${mnistDir}, missing ${missing.join(', ')}`,
      );
    if (!ctx.simd) ctx.log('--no-simd has no effect here: the page installs wasm-simd when it loads');

    const site = mkdtempSync(join(tmpdir(), 'synaptogen-demo-site-'));
    const servers: { close: () => Promise<void> }[] = [];
    let browser: Browser | undefined;
    try {
      // threads need idle cores: the machine's load, taken before and after, says how far from idle it was
      const loadBefore = loadavg()[0];
      const t0 = performance.now();
      buildDemo(site);
      ctx.log(`built the demo into ${site} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      browser = await launch();
      const sites = new Map<boolean, string>();
      for (const isolated of [true, false]) {
        const server = await serveStatic(site, { isolated });
        servers.push(server);
        sites.set(isolated, server.url);
      }
      const pages: Served[] = [];
      // one page at a time: loading MNIST on one must not slow the other's warm-up
      for (const v of VARIANTS) {
        const url = `${sites.get(v.isolated)}${v.query}`;
        const s = await openAndWarm(browser, url, v, mnistDir);
        ctx.log(
          `${url} (${v.isolated ? 'COOP/COEP' : 'no headers'}): ${s.mode}; tfjs ${s.backend}, ${s.kernels}`,
        );
        if (!v.threads(s.threads))
          throw new Error(
            `demo-browser: the ${v.label} page runs ${s.threads} thread(s), expected ${v.expected}: ${s.mode}`,
          );
        pages.push(s);
      }

      for (let r = 0; r < rounds; r++) {
        for (const s of pages) {
          await trainWindow(s, windowSeconds);
          const w = s.windows.at(-1)!;
          ctx.log(
            `round ${r + 1}/${rounds} ${s.variant.label}: ${w.samplesPerSecond.toFixed(0)} samples/s ` +
              `(${w.wallSamplesPerSecond.toFixed(0)} by wall clock, ${w.samples} samples)`,
          );
        }
      }

      ctx.log(
        `1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after (${availableParallelism()} cores)`,
      );
      const config = {
        ...JOB,
        rounds,
        windowSeconds,
        warmupSteps: WARMUP_STEPS,
        browser: browser.version(),
        cores: availableParallelism(),
        loadAverage1m: { before: loadBefore, after: loadavg()[0] },
        note: 'samples/s over the time of the training steps (as the page and synaptogen train report it); median of the windows',
      };
      const records: BenchRecord[] = [];
      const medians: number[] = [];
      for (const s of pages) {
        const m = median(s.windows.map((w) => w.samplesPerSecond));
        medians.push(m);
        const label = s.variant.label;
        records.push({
          benchmark: 'demo-browser',
          metric: `${label}: ${s.mode}`,
          value: m,
          unit: 'samples/s',
          config: {
            ...config,
            isolated: s.variant.isolated,
            query: s.variant.query,
            threads: s.threads,
            tfjs: s.backend,
            kernels: s.kernels,
            windows: s.windows,
          },
        });
        records.push({
          benchmark: 'demo-browser',
          metric: `${label}: by wall clock`,
          value: median(s.windows.map((w) => w.wallSamplesPerSecond)),
          unit: 'samples/s',
          config: { ...config, isolated: s.variant.isolated, query: s.variant.query, threads: s.threads },
        });
      }
      records.push(
        {
          benchmark: 'demo-browser',
          metric: 'isolated / not isolated',
          value: medians[0] / medians[1],
          unit: '×',
          config,
        },
        {
          benchmark: 'demo-browser',
          metric: 'isolated: threads / ?threads=1',
          value: medians[0] / medians[2],
          unit: '×',
          config,
        },
      );
      return records;
    } finally {
      await browser?.close();
      for (const s of servers) await s.close();
      rmSync(site, { recursive: true, force: true });
    }
  },
};
