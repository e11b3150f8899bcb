import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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

      // worker B stops cleanly on SIGTERM
      b.child.kill('SIGTERM');
      expect(await b.exited).toBe(0);
    });

    it('gives the same per-point results with the embedded pool (same seeds)', () => {
      const r = cli('sweep', sweepFile, '--out', poolDir, '--workers', '2', '--json', ...COST);
      expect(r.code, r.stderr).toBe(0);
      const pool = new Map(results(poolDir).map((p) => [p.id, p]));
      const queued = results(queueDir);
      expect(pool.size).toBe(6);
      for (const q of queued) {
        const p = pool.get(q.id)!;
        expect(p.resumedFrom).toEqual({ epoch: 0, batches: 0 });
        for (const k of [
          'testAccuracy',
          'testLoss',
          'connectivity',
          'connectivityPerLayer',
          'epochs',
        ] as const)
          expect(p[k], `${q.dir} ${k}`).toEqual(q[k]);
        expect((p.cost as { energyPicojoules: number }).energyPicojoules).toBe(
          (q.cost as { energyPicojoules: number }).energyPicojoules,
        );
      }
      // the six points are six different networks
      expect(new Set(queued.map((q) => q.connectivity)).size).toBe(6);

      const status = cli('sweep', poolDir, '--status');
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/6 points: 6 done, 0 running, 0 queued, 0 failed, 0 partial, 0 pending/);
    });
  });
});
