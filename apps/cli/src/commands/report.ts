import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { isSweepDir } from '../sweep/layout.js';
import { renderComparison } from './report-compare.js';
import { readRun } from './report-data.js';
import { renderReport } from './report-html.js';
import { readSweep } from './report-sweep-data.js';
import { renderSweepReport } from './report-sweep-html.js';
import { sweepCsv, sweepJson } from './report-sweep-table.js';

/** Written to a temp file beside the target, then renamed: a reader never sees half a report. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new CliError(`report: cannot write ${file}: ${(e as Error).message}`);
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .argument(
      '<run-dirs...>',
      'checkpoint directory written by synaptogen train (or an unzipped demo checkpoint), or a sweep directory; several runs: a comparison',
    )
    .description(
      'Write a self-contained HTML report (plots inlined, no network) of a training run, compare runs, or a sweep: accuracy vs connectivity',
    )
    .option(
      '-o, --out <file>',
      'where to write the report (default: <run-dir>/report.html; several runs: compare.html; a sweep also gets report.csv and report.json beside it)',
    )
    .option(
      '--profile <file>',
      'network profile for firing rates and costs (default: <run-dir>/*.profile.json)',
    )
    .option('--json', 'print one JSON line with the report path and headline figures')
    .option('-q, --quiet', 'print nothing on success')
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen train --model gradr-mnist-mlp --learner gradr --epochs 5 --out runs/gradr
  $ synaptogen report runs/gradr                     # writes runs/gradr/report.html
  $ synaptogen cost runs/gradr --save-profiles runs/gradr && synaptogen report runs/gradr -o gradr.html
  $ synaptogen report runs/sweep                     # sweep: report.html, report.csv, report.json
  $ synaptogen report runs/dense runs/gradr -o compare.html   # side by side: curves, rates, options that differ`,
    )
    .action(
      async (
        runDirs: string[],
        flags: { out?: string; profile?: string; json?: boolean; quiet?: boolean },
      ) => {
        if (runDirs.length > 1) return compare(runDirs, flags);
        if (isSweepDir(runDirs[0])) return writeSweepReport(runDirs[0], flags);
        const data = readRun(runDirs[0], { profile: flags.profile });
        const out = resolve(flags.out ?? join(data.runDir, 'report.html'));
        await writeAtomic(out, renderReport(data));
        if (flags.json)
          process.stdout.write(
            `${JSON.stringify({
              report: out,
              epochs: data.history.length,
              testAccuracy: data.headline.testAccuracy,
              connectivity: data.headline.connectivity,
              cost: data.cost !== null,
            })}\n`,
          );
        else if (!flags.quiet) process.stdout.write(`report written to ${out}\n`);
      },
    );
}

/** `report SWEEP_DIR`: the HTML page, with the table it is drawn from as CSV and JSON beside it. */
async function writeSweepReport(dir: string, flags: { out?: string; json?: boolean; quiet?: boolean }) {
  const data = readSweep(dir);
  const html = resolve(flags.out ?? join(data.sweepDir, 'report.html'));
  const base = html.replace(/\.html?$/, '');
  const csv = `${base}.csv`;
  const json = `${base}.json`;
  await writeAtomic(csv, sweepCsv(data));
  await writeAtomic(json, sweepJson(data));
  await writeAtomic(html, renderSweepReport(data));
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({
        report: html,
        csv,
        json,
        points: data.points.length,
        unfinished: data.unfinished.length,
        pareto: data.groups.filter((g) => g.pareto).length,
      })}\n`,
    );
  else if (!flags.quiet) process.stdout.write(`report written to ${html} (table: ${csv}, ${json})\n`);
}

/** `synaptogen report RUN_A RUN_B …`: one page with every run's curves on shared axes. */
async function compare(
  runDirs: string[],
  flags: { out?: string; profile?: string; json?: boolean; quiet?: boolean },
): Promise<void> {
  if (flags.profile)
    throw new CliError(
      'report: --profile names the profile of one run; with several runs each uses its own',
      2,
    );
  const runs = runDirs.map((dir) => readRun(dir));
  const out = resolve(flags.out ?? 'compare.html');
  await writeAtomic(out, renderComparison(runs));
  if (flags.json)
    process.stdout.write(
      `${JSON.stringify({
        report: out,
        runs: runs.map((r) => ({
          run: r.runDir,
          testAccuracy: r.headline.testAccuracy,
          connectivity: r.headline.connectivity,
        })),
      })}\n`,
    );
  else if (!flags.quiet) process.stdout.write(`comparison of ${runs.length} runs written to ${out}\n`);
}
