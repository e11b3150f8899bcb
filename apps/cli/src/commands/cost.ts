import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { batches, DATASET_NAMES, isDatasetName, loadDataset } from '@synaptogen/datasets/node';
import {
  type Chip,
  type CostReport,
  type EnergyPreset,
  estimateCost,
  fitToCoreBudget,
  formatComparison,
  formatCostReport,
  type NetworkProfile,
} from '@synaptogen/hardware';
import { loadChip, loadEnergyPresets, readProfileFile, writeProfileFile } from '@synaptogen/hardware/node';
import { formatCount } from '@synaptogen/hardware/report';
import { profile, restoreModel, type SpikingModel } from '@synaptogen/nn';
import { loadCheckpoint } from '@synaptogen/nn/node';
import type { Command } from 'commander';
import { backendOption, simdOption, startEngine } from '../engine/engine.js';
import { CliError } from '../errors.js';
import { positiveNumber } from '../eval/event-frames.js';
import { fixedFrames } from '../eval/framed-model.js';
import { oneOf, positiveInt } from '../train/options.js';

export interface CostOptions {
  dataset?: string;
  dataDir?: string;
  /** Event datasets: the split and frames to measure on (see `synaptogen eval`). */
  split?: 'train' | 'test';
  frameMs?: number;
  timeBins?: number;
  samples: number;
  batchSize: number;
  chip: string;
  preset: string;
  weightBits?: number;
  fitCores?: number;
  saveProfiles?: string;
  jsonOut?: string;
  backend: 'wasm' | 'cpu' | 'auto';
  simd?: boolean;
  json: boolean;
  quiet: boolean;
}

const DEFAULT_PRESETS = '45nm-fp32,45nm-int8-sram';

interface Measured {
  label: string;
  profile: NetworkProfile;
  /** |w| per profile layer, in the profile layout (for --fit-cores); absent for profile files. */
  importance?: Float32Array[];
}

function datasetOf(dir: string, manifestMeta: Record<string, unknown>, flag: string | undefined): string {
  const fromRun =
    (manifestMeta.run as { options?: { dataset?: unknown } } | undefined)?.options?.dataset ??
    manifestMeta.dataset;
  const name = flag ?? (typeof fromRun === 'string' ? fromRun : undefined);
  if (!name)
    throw new CliError(`checkpoint ${dir}: does not say which dataset it was trained on; pass --dataset`, 2);
  if (!isDatasetName(name))
    throw new CliError(`unknown dataset "${name}"; expected one of: ${DATASET_NAMES.join(', ')}`, 2);
  return name;
}

/** |w| of every Linear/Conv2d weight in body order (the profile's layer order and layout). */
function weightMagnitudes(model: SpikingModel): Float32Array[] {
  return model.prunableWeights().map(([, w]) => Float32Array.from(w.dataSync(), Math.abs));
}

async function measureCheckpoint(dir: string, o: CostOptions, log: (l: string) => void): Promise<Measured> {
  const data = await loadCheckpoint(dir);
  const model = restoreModel(dir, data);
  for (const t of data.tensors.values()) t.dispose();
  try {
    const dataset = datasetOf(dir, data.manifest.meta, o.dataset);
    if (o.frameMs !== undefined || o.timeBins !== undefined) {
      const f = await fixedFrames(model, { ...o, dataset, split: o.split ?? 'test', batchSize: o.batchSize });
      log(
        `${dir}: measuring spikes of ${model.config.name} on ${f.count} ${dataset} samples of ${f.T} frames`,
      );
      const measured = await profile(f.model, f.source, {
        samples: f.count,
        meta: { checkpoint: basename(resolve(dir)), dataset },
      });
      return { label: basename(resolve(dir)), profile: measured, importance: weightMagnitudes(model) };
    }
    const ds = await loadDataset(dataset, { dataDir: o.dataDir, split: o.split ?? 'test', limit: o.samples });
    const isImage = !ds.timesteps;
    const n = Math.min(ds.count, o.samples);
    log(`${dir}: measuring spikes of ${model.config.name} on ${n} ${dataset} test samples`);
    // nn's profile has the format of hardware's NetworkProfile (checked by nn-profile.test.ts)
    const measured: NetworkProfile = await profile(
      model,
      batches(ds, {
        batchSize: o.batchSize,
        shuffle: false,
        limit: n,
        // the preprocessing `train` evaluates with
        normalize: ds.channels === 3 && isImage,
      }),
      { samples: n, meta: { checkpoint: basename(resolve(dir)), dataset } },
    );
    return { label: basename(resolve(dir)), profile: measured, importance: weightMagnitudes(model) };
  } finally {
    model.dispose();
  }
}

function isProfileFile(input: string): boolean {
  return existsSync(input) && statSync(input).isFile();
}

function fitLine(m: Measured, chip: Chip, o: CostOptions): string {
  const fit = fitToCoreBudget(m.profile, chip, {
    maxCores: o.fitCores!,
    importance: m.importance,
    weightBits: o.weightBits,
  });
  if (!fit.feasible) return `${m.label}: cannot fit ${o.fitCores} ${chip.name} cores: ${fit.reason}`;
  return (
    `${m.label}: to fit ${o.fitCores} ${chip.name} cores (now ${fit.coresBefore}), keep the largest ` +
    `${(100 * fit.keepFraction).toFixed(1)}% of the existing weights per layer ` +
    `(${formatCount(fit.layers.reduce((s, l) => s + l.nonzeroWeights, 0))} synapses, connectivity ` +
    `${(100 * fit.connectivity).toFixed(2)}%) -> ${fit.mapping.cores} cores`
  );
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new CliError(`--json-out ${file}: cannot write (${(e as Error).message})`);
  }
}

/** `synaptogen cost`: measures checkpoints (or reads profile files) and prints their hardware cost. */
export async function runCost(inputs: string[], o: CostOptions, log: (l: string) => void): Promise<string[]> {
  let chip: Chip;
  let presets: EnergyPreset[];
  try {
    chip = await loadChip(o.chip);
    presets = await loadEnergyPresets(
      o.preset
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  } catch (e) {
    throw new CliError((e as Error).message, 2);
  }
  if (!presets.length) throw new CliError(`--preset expects preset names or files, got "${o.preset}"`, 2);
  const needModel = inputs.some((i) => !isProfileFile(i));
  if (needModel) await startEngine(o);

  const measured: Measured[] = [];
  for (const input of inputs) {
    if (isProfileFile(input)) {
      measured.push({
        label: basename(input).replace(/(\.profile)?\.json$/, ''),
        profile: await readProfileFile(input),
      });
    } else {
      measured.push(await measureCheckpoint(input, o, log));
    }
  }
  // two inputs with one name (runs/a/model, runs/b/model): tell them apart by their parent folder
  if (measured.length === 2 && measured[0].label === measured[1].label) {
    inputs.forEach((input, i) => {
      measured[i].label = `${basename(resolve(input, '..'))}-${measured[i].label}`;
    });
  }
  if (o.saveProfiles) {
    await mkdir(o.saveProfiles, { recursive: true });
    for (const m of measured) {
      const file = join(o.saveProfiles, `${m.label}.profile.json`);
      await writeProfileFile(file, m.profile);
      log(`wrote ${file}`);
    }
  }
  const reports: CostReport[] = measured.map((m) =>
    estimateCost(m.profile, { chip, presets, label: m.label, mapping: { weightBits: o.weightBits } }),
  );
  const out: string[] = [];
  const json =
    reports.length === 2
      ? formatComparison(reports[0], reports[1], { format: 'json' })
      : formatCostReport(reports[0], { format: 'json' });
  if (o.jsonOut) await writeAtomically(o.jsonOut, `${json}\n`);
  if (o.json) {
    out.push(json);
  } else {
    for (const r of reports) out.push(formatCostReport(r), '');
    if (reports.length === 2) out.push(formatComparison(reports[0], reports[1]));
  }
  if (o.fitCores !== undefined) {
    for (const m of measured) {
      if (!m.importance)
        log(`${m.label}: a profile file has no weight magnitudes; ranking synapses at random`);
      log(fitLine(m, chip, o));
    }
  }
  return out;
}

export function registerCost(program: Command): void {
  program
    .command('cost')
    .description(
      'Hardware cost of trained networks: synaptic operations, energy and neuromorphic cores, from spikes measured on real test data',
    )
    .argument(
      '<checkpoint>',
      'checkpoint directory written by `synaptogen train --out`, or a profile JSON file',
    )
    .argument('[other]', 'a second checkpoint or profile, compared side by side (e.g. dense vs pruned)')
    .option('--dataset <name>', 'dataset to measure on (default: the one the checkpoint was trained on)')
    .option('--data-dir <dir>', 'data root (default: $SYNAPTOGEN_DATA, then ~/.cache/synaptogen)')
    .option('--samples <n>', 'test samples to measure spikes on', positiveInt('--samples'), 1000)
    .option('--split <name>', 'split to measure on', oneOf('--split', ['train', 'test'] as const), 'test')
    .option(
      '--frame-ms <ms>',
      'event datasets: frames of this many ms (as `eval`)',
      positiveNumber('--frame-ms'),
    )
    .option('--time-bins <n>', 'event datasets: this many time bins (as `eval`)', positiveInt('--time-bins'))
    .option('--batch-size <n>', 'samples per forward pass', positiveInt('--batch-size'), 100)
    .option('--chip <name|file>', 'loihi, loihi2, truenorth, spinnaker, or a chip JSON file', 'loihi')
    .option(
      '--preset <names>',
      'energy presets or preset JSON files, comma-separated; the first is the headline energyPicojoules',
      DEFAULT_PRESETS,
    )
    .option(
      '--weight-bits <n>',
      "synaptic weight precision on the chip (default: the chip's)",
      positiveInt('--weight-bits'),
    )
    .option(
      '--fit-cores <n>',
      'also report how much connectivity (largest |w| kept) fits this many cores of the chip',
      positiveInt('--fit-cores'),
    )
    .option('--save-profiles <dir>', 'write each measured network profile to <dir>/<name>.profile.json')
    .option('--json-out <file>', 'also write the JSON line to this file (written atomically)')
    .addOption(backendOption())
    .addOption(simdOption())
    .option('--json', 'one JSON line on stdout (two inputs: both summaries and the savings)')
    .option('-q, --quiet', 'no progress lines on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen cost runs/dense --chip loihi
  $ synaptogen cost runs/dense runs/gradr --preset 45nm-fp32,45nm-int8-sram,loihi
  $ synaptogen cost runs/gradr --json --fit-cores 4`,
    )
    .action(async (checkpoint: string, other: string | undefined, flags: Record<string, unknown>) => {
      const o = {
        ...flags,
        json: Boolean(flags.json),
        quiet: Boolean(flags.quiet),
      } as unknown as CostOptions;
      const log = (line: string) => {
        if (!o.quiet) process.stderr.write(`${line}\n`);
      };
      try {
        const lines = await runCost(other ? [checkpoint, other] : [checkpoint], o, log);
        process.stdout.write(`${lines.join('\n')}\n`);
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError((e as Error).message, 1);
      }
    });
}
