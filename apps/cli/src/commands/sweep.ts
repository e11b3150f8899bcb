import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { isSweepDir } from '../sweep/layout.js';
import { SweepProgress } from '../sweep/progress-view.js';
import { checkReachable, openQueue } from '../sweep/queue.js';
import { runSweep, type SweepPointSummary } from '../sweep/run-sweep.js';
import { type PointStatusRow, sweepStatus } from '../sweep/status.js';
import { readSweepFile } from '../sweep/sweep-file.js';
import { nonNegativeInt, positiveInt } from '../train/options.js';

interface SweepFlags {
  out?: string;
  workers: number;
  queue?: string;
  dataDir?: string;
  costSamples: number;
  status?: boolean;
  json?: boolean;
  quiet?: boolean;
}

const pct = (v: number | null) => (v == null ? '–' : `${(100 * v).toFixed(2)}%`);
/** The options that differ between points (all of them when there is one point). */
function varyingText(all: Record<string, unknown>[]): (p: Record<string, unknown>) => string {
  const show = (v: unknown) => (typeof v === 'object' ? JSON.stringify(v) : String(v));
  const keys = [...new Set(all.flatMap((p) => Object.keys(p)))];
  const varying = all.length < 2 ? keys : keys.filter((k) => new Set(all.map((p) => show(p[k]))).size > 1);
  return (p) =>
    varying
      .filter((k) => k in p)
      .map((k) => `${k}=${show(p[k])}`)
      .join(' ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function printStatus(rows: PointStatusRow[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ points: rows })}\n`);
    return;
  }
  const count = (s: string) => rows.filter((r) => r.status === s).length;
  const paramsText = varyingText(rows.map((r) => r.params));
  process.stdout.write(
    `${table(
      ['status', 'epochs', 'test acc', 'connectivity', 'options', 'note'],
      rows.map((r) => [
        r.status,
        `${r.epochsDone}/${r.epochs}`,
        pct(r.testAccuracy),
        pct(r.connectivity),
        paramsText(r.params),
        r.note ?? '',
      ]),
    )}\n${rows.length} points: ${['done', 'running', 'queued', 'failed', 'partial', 'pending']
      .map((s) => `${count(s)} ${s}`)
      .join(', ')}\n`,
  );
}

function printSummary(points: SweepPointSummary[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ points })}\n`);
    return;
  }
  const paramsText = varyingText(points.map((p) => p.params));
  process.stdout.write(
    `${table(
      ['status', 'test acc', 'connectivity', 'options'],
      points.map((p) => [p.status, pct(p.testAccuracy), pct(p.connectivity), paramsText(p.params)]),
    )}\n`,
  );
}

/** `sweep --status`: the directory from --out, or the argument when it is a sweep directory. */
function statusDir(arg: string | undefined, out: string | undefined): string {
  const dir = out ?? (arg && existsSync(arg) && statSync(arg).isDirectory() ? arg : undefined);
  if (!dir)
    throw new CliError('sweep --status: give the sweep directory (--out DIR, or DIR as the argument)', 2);
  return dir;
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .argument(
      '[file]',
      'sweep file (JSON): {"base": {...}, "grid": {"alpha": [...], "seed": [...]}, "points": [...]}',
    )
    .description(
      'Train a grid or list of runs (any train option), each a normal resumable run directory under --out; re-running skips finished points and resumes unfinished ones',
    )
    .option('--out <dir>', 'the sweep directory (one train run directory per point under <dir>/points)')
    .option(
      '--workers <n>',
      'points trained at once on this machine (default: the number of cores)',
      positiveInt('--workers'),
      availableParallelism(),
    )
    .option(
      '--queue <redis-url>',
      'add the points to a BullMQ queue on this Redis (redis://host:port) for `synaptogen worker`s sharing --out, and wait for them',
    )
    .option(
      '--data-dir <dir>',
      'data root for the points (default: $SYNAPTOGEN_DATA, then ~/.cache/synaptogen)',
    )
    .option(
      '--cost-samples <n>',
      'test samples `synaptogen cost` measures each finished point on (energy, cores for the report); 0: skip',
      nonNegativeInt('--cost-samples'),
      1000,
    )
    .option('--status', 'show which points are done, running, queued, failed or unfinished, and exit')
    .option('--json', 'print one JSON line {"points": [...]} on stdout at the end; progress goes to stderr')
    .option('-q, --quiet', 'no progress output')
    .addHelpText(
      'after',
      `
The sweep file takes train's options in camelCase; every combination of "grid" is merged over "base",
and "points" lists irregular points. An option is set in one place only.
  {"base": {"dataset": "mnist", "learner": "gradr", "epochs": 2, "trainLimit": 3000},
   "grid": {"alpha": [0.05, 0.2], "seed": [1, 2]}}

Examples:
  $ synaptogen sweep sweep.json --out runs/sweep --workers 2
  $ synaptogen sweep sweep.json --out runs/sweep --json            # again: skips finished points
  $ synaptogen sweep runs/sweep --status
  $ synaptogen sweep sweep.json --out /shared/sweep --queue redis://10.0.0.5:6379
  $ synaptogen worker --queue redis://10.0.0.5:6379                 # on every machine
  $ synaptogen report runs/sweep                                    # accuracy vs connectivity`,
    )
    .action(async (file: string | undefined, flags: SweepFlags) => {
      const json = Boolean(flags.json);
      if (flags.status) {
        const dir = statusDir(file, flags.out);
        if (!isSweepDir(dir)) throw new CliError(`${dir}: not a sweep directory (no sweep.json)`, 2);
        if (!flags.queue) return printStatus(await sweepStatus(dir), json);
        await checkReachable(flags.queue);
        const queue = openQueue(flags.queue);
        try {
          return printStatus(await sweepStatus(dir, queue), json);
        } finally {
          await queue.close();
        }
      }
      if (!file)
        throw new CliError(
          'sweep: give a sweep file (JSON), e.g. synaptogen sweep sweep.json --out runs/sweep',
          2,
        );
      if (!flags.out) throw new CliError('sweep: give --out DIR, the sweep directory', 2);
      const spec = readSweepFile(file);

      const stop = new AbortController();
      const onSigint = () => {
        if (stop.signal.aborted) process.exit(130);
        process.stderr.write(
          'Ctrl-C: running points save a checkpoint and stop (press again to quit at once)\n',
        );
        stop.abort();
      };
      process.on('SIGINT', onSigint);
      let view: SweepProgress | null = null;
      try {
        const points = await runSweep(spec, {
          out: flags.out,
          cli: resolve(process.argv[1]),
          workers: flags.workers,
          queue: flags.queue,
          dataDir: flags.dataDir,
          costSamples: flags.costSamples,
          signal: stop.signal,
          onPlan: ({ points, pending }) => {
            if (flags.quiet) return;
            process.stderr.write(
              `sweep: ${points.length} points, ${points.length - pending.length} finished before, ${pending.length} to run` +
                `${!pending.length ? '' : flags.queue ? ` through ${flags.queue}` : ` with ${Math.min(flags.workers, pending.length)} workers`}\n`,
            );
            view = new SweepProgress(pending.length, {
              tty: Boolean(process.stderr.isTTY),
              write: (line) => process.stderr.write(`${line}\n`),
            });
          },
          onProgress: (p) => view?.update(p),
          onOutcome: (point, outcome) => view?.finish(point, outcome),
        });
        (view as SweepProgress | null)?.stop();
        printSummary(points, json);
        if (stop.signal.aborted) {
          process.stderr.write(`synaptogen: sweep stopped; run the same command again to continue\n`);
          process.exitCode = 130;
        } else if (points.some((p) => p.status !== 'done')) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
