import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PointResult, SweepEvent } from './layout.js';

// The built CLI as plain Node processes, as users run it: sweep, two queue workers, a real redis-server.
const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(here, '../../dist/bin.js');
const dataRoot = process.env.SYNAPTOGEN_DATA ?? resolve(here, '../../../../../shared/data');
const env = { ...process.env, SYNAPTOGEN_DATA: dataRoot };
const tmp = mkdtempSync(join(tmpdir(), 'synaptogen-sweep-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A child whose stderr is collected, with a way to wait for a line and for its exit. */
function start(args: string[], cmd = process.execPath) {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(stdout + stderr);
        if (m) return m;
        if (Date.now() > until || child.exitCode !== null)
          throw new Error(`no ${pattern} in the output of ${args.join(' ')}:\n${stdout}${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

const redisMissing = spawnSync('redis-server', ['--version']).status !== 0;
if (redisMissing) {
  const why = 'redis-server is not installed (apt-get install redis-server); the queue tests are skipped';
  // CI installs it (.ci/run): there a missing server is a failure, not a skip
  if (process.env.CI) throw new Error(why);
  console.warn(`[sweep] ${why}`);
}

// 6 points: 3 α × 2 seeds, 2 epochs each on a slice of real MNIST
const sweepFile = join(tmp, 'sweep.json');
writeFileSync(
  sweepFile,
  JSON.stringify({
    base: {
      dataset: 'mnist',
      learner: 'gradr',
      epochs: 2,
      trainLimit: 768,
      testLimit: 256,
      timesteps: 4,
      batchSize: 64,
      lr: 0.005,
    },
    grid: { alpha: [0.05, 0.1, 0.2], seed: [1, 2] },
  }),
);
const COST = ['--cost-samples', '64'];
const queueDir = join(tmp, 'queue');
const poolDir = join(tmp, 'pool');

const results = (dir: string) =>
  readdirSync(join(dir, 'results')).map(
    (f) => JSON.parse(readFileSync(join(dir, 'results', f), 'utf8')) as PointResult,
  );
const events = (dir: string) =>
  readFileSync(join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SweepEvent);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const artifacts = resolve(here, '../../test-artifacts');
const chromiumPath = process.env.SYNAPTOGEN_CHROMIUM ?? '/usr/bin/chromium';
const chromiumMissing = existsSync(chromiumPath)
  ? null
  : `Chromium is not at ${chromiumPath} (scripts/install-chromium.sh); the sweep report is not opened in a browser`;

/**
 * Runs in the report page: where uPlot put each finished point of the sweep plot, whether that is
 * inside the plot area, and whether the canvas is painted there (not the white background).
 */
function drawnMarks() {
  const u = (window as any).sweepPlot;
  const d = JSON.parse(document.getElementById('report-data')!.textContent!);
  const ctx = (u.ctx as CanvasRenderingContext2D).canvas.getContext('2d')!;
  return (d.plot.marks as { id: string; series: number; index: number }[]).map((m) => {
    const x = u.data[0][m.index] as number;
    const y = u.data[m.series][m.index] as number;
    const left = u.valToPos(x, 'x', true);
    const top = u.valToPos(y, 'y', true);
    const b = u.bbox;
    const inside = left >= b.left && left <= b.left + b.width && top >= b.top && top <= b.top + b.height;
    const rgba = [...ctx.getImageData(Math.round(left), Math.round(top), 1, 1).data];
    const painted = rgba[3] > 0 && Math.min(rgba[0], rgba[1], rgba[2]) < 200;
    return { id: m.id, x, y, inside, painted, rgba, shown: u.series[m.series].show as boolean };
  });
}

describe('synaptogen sweep (built, run by node)', () => {
  it('rejects bad sweep files with one line naming the key', () => {
    const cases: [unknown, RegExp][] = [
      [
        { base: { learner: 'gradr', alfa: 0.1 }, grid: { seed: [1] } },
        /base\.alfa is not a train option \(did you mean "alpha"\?\)/,
      ],
      [{ base: { learner: 'gradr' }, grid: { alpha: [] } }, /grid\.alpha is an empty list/],
      [{ base: { seed: 1 }, grid: { seed: [1, 2] } }, /grid\.seed conflicts with base\.seed/],
    ];
    for (const [json, message] of cases) {
      const file = join(tmp, 'bad.json');
      writeFileSync(file, JSON.stringify(json));
      const r = cli('sweep', file, '--out', join(tmp, 'bad-out'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^synaptogen: ${file.replace(/[.]/g, '\\.')}: ${message.source}`));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(tmp, 'bad-out'))).toBe(false);
  });

  it('runs the sweep in the embedded pool; --status shows every point done', () => {
    const r = cli('sweep', sweepFile, '--out', poolDir, '--workers', '2', '--json', ...COST);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.points).toHaveLength(6);
    for (const p of summary.points)
      expect(p).toMatchObject({ status: 'done', dir: expect.stringContaining(poolDir) });
    const pool = results(poolDir);
    expect(pool).toHaveLength(6);
    // six different networks, each trained from scratch in one go
    expect(new Set(pool.map((p) => p.connectivity)).size).toBe(6);
    for (const p of pool) expect(p.resumedFrom).toEqual({ epoch: 0, batches: 0 });
    const status = cli('sweep', poolDir, '--status');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/6 points: 6 done, 0 running, 0 queued, 0 failed, 0 partial, 0 pending/);
  });

  it('reports the sweep: HTML with every point drawn, CSV and JSON beside it, readable layer names', async () => {
    const r = cli('report', poolDir, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ points: 6, unfinished: 0 });
    const table = JSON.parse(readFileSync(out.json, 'utf8'));
    expect(table.points).toHaveLength(6);
    expect(table.layerNames).toEqual({ fc1: 'body.1.weight', fc2: 'body.3.weight' });
    expect(Object.keys(table.points[0].perLayer)).toEqual(['fc1', 'fc2']);
    // 3 settings (α) of 2 seeds each, seed ranges around their means
    expect(table.settings).toHaveLength(3);
    for (const g of table.settings) {
      expect(g.seeds).toBe(2);
      expect(g.testAccuracy.min).toBeLessThanOrEqual(g.testAccuracy.max);
    }
    expect(table.settings.some((g: { pareto: boolean }) => g.pareto)).toBe(true);
    // energy and cores of every point, from synaptogen cost
    for (const p of table.points) {
      expect(p.energyPicojoules).toBeGreaterThan(0);
      expect(p.cores).toBeGreaterThan(0);
    }
    // MNIST sweep: the PyTorch reference runs are the reference marks
    expect(table.references.length).toBeGreaterThanOrEqual(10);
    const csv = readFileSync(out.csv, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(7);
    expect(csv[0]).toMatch(
      /^id,status,method,setting,seed,test_accuracy,connectivity,connectivity_fc1,connectivity_fc2,/,
    );
    const html = readFileSync(out.report, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
    expect(html).toContain('<th>conn. fc1</th>');

    if (chromiumMissing) return console.warn(`[sweep] ${chromiumMissing}`);
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    try {
      const page = await (
        await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } })
      ).newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(pathToFileURL(out.report).href);
      await page.waitForFunction(() => document.body.dataset.plots !== undefined, null, { timeout: 20_000 });
      expect(await page.evaluate(() => document.body.dataset.plots)).toBe('2');
      const marks = await page.evaluate(drawnMarks);
      expect(marks.map((m) => m.id).sort()).toEqual(table.points.map((p: { id: string }) => p.id).sort());
      for (const m of marks) {
        const p = table.points.find((q: { id: string }) => q.id === m.id);
        expect([m.x, m.y], m.id).toEqual([p.connectivity, p.testAccuracy]);
        expect(m.inside, m.id).toBe(true);
        expect(m.painted, `${m.id} ${m.rgba}`).toBe(true);
      }
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, 'sweep-report.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  describe.skipIf(redisMissing)('through a BullMQ queue on a real redis-server', () => {
    let redis: ChildProcess;
    let url = '';
    const workers: ReturnType<typeof start>[] = [];

    beforeAll(async () => {
      const port = await freePort();
      url = `redis://127.0.0.1:${port}`;
      const server = start(
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmp],
        'redis-server',
      );
      redis = server.child;
      await server.waitFor(/Ready to accept connections/, 20_000);
    });

    afterAll(async () => {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
      if (redis && redis.exitCode === null) {
        redis.kill('SIGTERM');
        await new Promise((r) => redis.once('close', r));
      }
    });

    it('finishes a 6-point sweep over two workers when one is killed with SIGKILL mid-point', async () => {
      const worker = () => start([bin, 'worker', '--queue', url, '--lock-seconds', '3']);
      const [a, b] = [worker(), worker()];
      workers.push(a, b);
      const sweep = start([bin, 'sweep', sweepFile, '--out', queueDir, '--queue', url, '--json', ...COST]);

      // worker A finishes the first epoch of a point (its checkpoint is saved), then dies mid-point
      const [, killedDir] = await a.waitFor(/\] (\S+): epoch 1\/2 done/, 240_000);
      const manifestFile = join(queueDir, 'points', killedDir, 'manifest.json');
      const atKill = JSON.parse(readFileSync(manifestFile, 'utf8')).meta.run;
      a.child.kill('SIGKILL');
      expect(atKill.completedEpochs).toBe(1);
      const killedId = killedDir.split('-').at(-1)!;

      // --status while the point is orphaned: not done, one epoch in its checkpoint
      const status = cli('sweep', queueDir, '--status', '--queue', url, '--json');
      expect(status.code, status.stderr).toBe(0);
      const row = JSON.parse(status.stdout).points.find((p: { id: string }) => p.id === killedId);
      expect(['running', 'queued', 'partial']).toContain(row.status);
      expect(row.epochsDone).toBeGreaterThanOrEqual(1);

      expect(await sweep.exited, sweep.stderr).toBe(0);
      const summary = JSON.parse(sweep.stdout.trim().split('\n').at(-1)!);
      expect(summary.points).toHaveLength(6);
      for (const p of summary.points) {
        expect(p.status).toBe('done');
        expect(p.testAccuracy).toBeGreaterThan(0);
        expect(p.connectivity).toBeGreaterThan(0);
        expect(existsSync(join(p.dir, 'manifest.json'))).toBe(true);
      }

      // the killed point resumed from its checkpoint, on worker B: epoch 1 was not trained again
      const log = events(queueDir);
      const starts = log.filter((e) => e.point === killedId && e.event === 'start');
      expect(starts.length).toBe(2);
      expect(starts[0]).toMatchObject({ resume: false, worker: expect.stringMatching(`:${a.child.pid}$`) });
      expect(starts[1]).toMatchObject({ resume: true, worker: expect.stringMatching(`:${b.child.pid}$`) });
      expect((starts[1].from as { epoch: number }).epoch).toBeGreaterThanOrEqual(1);
      const final = JSON.parse(readFileSync(manifestFile, 'utf8')).meta.run;
      expect(final.history[0]).toEqual(atKill.history[0]);
      expect(final.completedEpochs).toBe(2);
      const killedResult = results(queueDir).find((r) => r.id === killedId)!;
      expect(killedResult.resumedFrom.epoch).toBeGreaterThanOrEqual(1);
      // the killed worker's train process stopped too (no orphan writing the directory)
      expect(alive(starts[0].childPid as number)).toBe(false);

      // each point's result is recorded exactly once
      const recorded = results(queueDir);
      expect(recorded.map((r) => r.id).sort()).toEqual(
        summary.points.map((p: { id: string }) => p.id).sort(),
      );
      for (const p of summary.points)
        expect(
          log.filter((e) => e.point === p.id && e.event === 'done'),
          p.id,
        ).toHaveLength(1);

      // the same command again: nothing left to run, nothing recorded twice
      const again = cli('sweep', sweepFile, '--out', queueDir, '--queue', url, '--json');
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/6 points, 6 finished before, 0 to run/);
      expect(events(queueDir)).toHaveLength(log.length);

      // the same per-point results as the embedded pool (same seeds), the resumed point included
      const pool = new Map(results(poolDir).map((p) => [p.id, p]));
      for (const q of recorded) {
        const p = pool.get(q.id)!;
        for (const k of [
          'testAccuracy',
          'testLoss',
          'connectivity',
          'connectivityPerLayer',
          'epochs',
        ] as const)
          expect(q[k], `${q.dir} ${k}`).toEqual(p[k]);
        expect(q.cost).toEqual(p.cost);
      }

      // worker B stops cleanly on SIGTERM
      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
    });
  });
});
