import { DATASETS, type DatasetReport, datasetFiles, datasetInfo } from '@synaptogen/datasets/download';
import { DatasetError, downloadDataset, resolveDataRoot, verifyDataset } from '@synaptogen/datasets/node';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { localCopy } from './datasets-local.js';

const names = Object.keys(DATASETS);

function requireDataset(name: string) {
  const info = datasetInfo(name);
  if (!info) throw new CliError(`unknown dataset "${name}"; expected one of: ${names.join(', ')}`, 2);
  return info;
}

/** Library errors about the user's files become one-line CLI errors. */
async function userErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DatasetError) throw new CliError(err.message);
    throw err;
  }
}

const print = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

function printReport(r: DatasetReport): void {
  print(`${r.name} under ${r.root}`);
  for (const f of r.files) {
    const state = !f.present ? 'absent' : f.ok ? 'checksum ok' : `CHECKSUM FAILED: ${f.error}`;
    print(`  ${f.name.padEnd(28)} ${state}`);
  }
  for (const s of r.splits) {
    const state = s.ok
      ? `${s.count} samples${s.count !== s.expected ? ` (the full set has ${s.expected})` : ''}`
      : s.absent
        ? `absent: ${s.error}`
        : `NOT READABLE: ${s.error}`;
    print(`  ${`${s.split} split`.padEnd(28)} ${state}`);
  }
  print(r.ok ? 'ok' : 'FAILED');
}

export function registerDatasets(program: Command): void {
  const cmd = program
    .command('datasets')
    .description('List, describe, verify and download the datasets synaptogen reads')
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen datasets list
  $ synaptogen datasets info nmnist --data-dir ../shared/data
  $ synaptogen datasets verify mnist
  $ synaptogen datasets download cifar10
`,
    );

  cmd
    .command('list')
    .description('Every supported dataset and whether its official files are in the data root')
    .option('--data-dir <dir>', 'data root (default: $SYNAPTOGEN_DATA, then ~/.cache/synaptogen)')
    .option('--json', 'print JSON')
    .action((o: { dataDir?: string; json?: boolean }) => {
      const rows = names.map((name) => {
        const info = DATASETS[name];
        const files = datasetFiles(name, o.dataDir);
        return {
          name,
          title: info.title,
          kind: info.kind,
          classes: info.classes,
          train: info.train,
          test: info.test,
          downloaded: `${files.filter((f) => f.present).length}/${files.length}`,
          // the official files are one form; an extracted folder or another layout trains just as well
          local: localCopy(name, o.dataDir),
        };
      });
      if (o.json) {
        print(JSON.stringify({ root: resolveDataRoot(o.dataDir), datasets: rows }));
        return;
      }
      print(`data root: ${resolveDataRoot(o.dataDir)}`);
      for (const r of rows) {
        print(
          `${r.name.padEnd(14)} ${r.kind.padEnd(7)} ${String(r.classes).padStart(3)} classes  ${String(r.train).padStart(5)}/${String(r.test).padStart(5)}  official files ${r.downloaded.padEnd(6)} ${r.title}`,
        );
        const { train, test } = r.local;
        const state =
          train && test
            ? train === test
              ? `train and test: ${train}`
              : `train: ${train}; test: ${test}`
            : train || test
              ? `${train ? `train: ${train}` : `test: ${test}`}; the ${train ? 'test' : 'train'} split is missing`
              : `not found (synaptogen datasets download ${r.name})`;
        print(`${''.padEnd(14)} ${state}`);
      }
    });

  cmd
    .command('info <name>')
    .description('Source, license, shape and files of one dataset')
    .option('--data-dir <dir>', 'data root')
    .option('--json', 'print JSON')
    .action((name: string, o: { dataDir?: string; json?: boolean }) => {
      const info = requireDataset(name);
      const files = datasetFiles(name, o.dataDir);
      const out = {
        ...info,
        files: info.files.map((f, i) => ({ ...f, path: files[i].file, present: files[i].present })),
      };
      if (o.json) {
        print(JSON.stringify(out));
        return;
      }
      print(`${info.title} (${info.name})`);
      print(`  homepage  ${info.homepage}`);
      print(`  license   ${info.license}`);
      print(
        `  samples   ${info.train} train / ${info.test} test, ${info.classes} classes, ${info.kind === 'events' ? 'frames' : 'images'} of ${info.sampleShape.join('x')}`,
      );
      if (info.notes) print(`  notes     ${info.notes}`);
      for (const f of out.files) {
        print(`  ${f.present ? 'present' : 'absent '}  ${f.path}`);
        print(
          `           ${f.url}  ${f.checksum.algorithm}${f.checksum.of === 'gunzip' ? ' (of gunzipped content)' : ''} ${f.checksum.value}`,
        );
      }
    });

  cmd
    .command('verify <name>')
    .description('Check checksums of the downloaded files and that both splits read')
    .option('--data-dir <dir>', 'data root')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { dataDir?: string; json?: boolean }) => {
      requireDataset(name);
      const report = await userErrors(() => verifyDataset(name, { dataDir: o.dataDir }));
      if (o.json) print(JSON.stringify(report));
      else printReport(report);
      if (!report.ok) process.exitCode = 1;
    });

  cmd
    .command('download <name>')
    .description(
      'Download the official files (resumable, checksum-verified) into the data root; "all" for every dataset',
    )
    .option('--data-dir <dir>', 'data root')
    .option('--mirror <url>', 'fetch <url>/<folder>/<file> instead of the official locations')
    .option('--force', 'download again even when a verified copy is present')
    .option('-q, --quiet', 'no progress bar')
    .option('--json', 'print JSON')
    .action(
      async (
        name: string,
        o: { dataDir?: string; mirror?: string; force?: boolean; quiet?: boolean; json?: boolean },
      ) => {
        const list = name === 'all' ? names : [requireDataset(name).name];
        const results = [];
        for (const n of list) {
          const files = await userErrors(() =>
            downloadDataset(n, {
              dataDir: o.dataDir,
              mirror: o.mirror,
              force: o.force,
              progress: !o.quiet && !o.json && Boolean(process.stderr.isTTY),
            }),
          );
          results.push({ name: n, files });
          if (!o.json) for (const f of files) print(`${f.status.padEnd(10)} ${f.file}`);
        }
        if (o.json) print(JSON.stringify(results));
      },
    );
}
