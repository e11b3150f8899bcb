import { join } from 'node:path';
import { modelTensors } from '@synaptogen/nn';
import { saveCheckpoint } from '@synaptogen/nn/node';
import type { Command } from 'commander';
import { backendOption, simdOption, startEngine } from '../engine/engine.js';
import { CliError } from '../errors.js';
import { collectChannelScore, loadChannelScores } from '../train/channel-scores.js';
import { nonNegativeInt, oneOf } from '../train/options.js';
import {
  fraction,
  loadSplits,
  markdownTable,
  pct,
  positiveInt,
  positiveNumber,
  type RunOptions,
  trainVariant,
  type Variant,
  type VariantResult,
  writeAtomic,
} from './sca-experiment.js';

interface AblateFlags extends RunOptions {
  sparsity: number;
  regrow: number;
  maskMode: string;
  minKeep: number;
  rampEpochs?: number;
  finetuneEpochs: number;
  variants?: string;
  out: string;
  saveDir?: string;
  /** `--channel-score <module>`, repeatable: plugin scores, each a variant `score=<name>`. */
  channelScore?: string[];
  json?: boolean;
  backend: 'wasm' | 'cpu' | 'auto';
  simd: boolean;
}

/** Epochs of the sparsity ramp in the `ramp` variants: --ramp-epochs, else half the run (at least 1). */
const rampOf = (o: AblateFlags) => o.rampEpochs ?? Math.max(1, Math.floor(o.epochs / 2));

/**
 * The ablations reviewers asked for (prune vs prune+regrow, the three channel scores), then each
 * practitioner's option alone on top of the reference prune+regrow, and all of them together.
 */
function variants(o: AblateFlags, pluginScores: readonly string[] = []): Variant[] {
  const sca = (score: string, regrow: number, extra: Record<string, unknown> = {}) => ({
    name: 'sca',
    options: { sparsity: o.sparsity, regrow, score, maskMode: o.maskMode, ...extra },
  });
  const practical = {
    minKeep: o.minKeep,
    rampEpochs: rampOf(o),
    finetuneEpochs: o.finetuneEpochs,
    maskMode: 'regrowable',
  };
  return [
    { name: 'dense', learner: null },
    { name: 'prune-only', learner: sca('activity', 0) },
    { name: 'prune+regrow', learner: sca('activity', o.regrow) },
    { name: 'score=firing-rate', learner: sca('firing-rate', o.regrow) },
    { name: 'score=pre-reset', learner: sca('pre-reset', o.regrow) },
    ...pluginScores.map((score) => ({ name: `score=${score}`, learner: sca(score, o.regrow) })),
    { name: 'min-keep', learner: sca('activity', o.regrow, { minKeep: o.minKeep }) },
    { name: 'ramp', learner: sca('activity', o.regrow, { rampEpochs: rampOf(o) }) },
    { name: 'finetune', learner: sca('activity', o.regrow, { finetuneEpochs: o.finetuneEpochs }) },
    { name: 'regrowable', learner: sca('activity', o.regrow, { maskMode: 'regrowable' }) },
    { name: 'all-options', learner: sca('activity', o.regrow, practical) },
  ];
}

/** The practitioner's options a variant sets, for the table ("—": the paper's algorithm). */
function optionsCell(r: VariantResult): string {
  const o = r.options;
  const parts: string[] = [];
  if (o.minKeep) parts.push(`minKeep ${o.minKeep}`);
  if (o.rampEpochs) parts.push(`ramp ${o.rampEpochs}`);
  if (o.finetuneEpochs) parts.push(`finetune ${o.finetuneEpochs}`);
  return parts.join(', ') || '—';
}

export function registerAblate(program: Command): void {
  program
    .command('ablate')
    .description(
      'SCA ablations on one setup: dense, prune-only vs prune+regrow, and the activity / firing-rate / pre-reset scores; writes a table',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen ablate --dataset cifar10 --model conv-small --epochs 2 --train-limit 2000
  $ synaptogen ablate --sparsity 0.7 --regrow 0.1 --json
`,
    )
    .option('--dataset <name>', 'dataset (data root as for train)', 'cifar10')
    .option('--data-dir <dir>', 'data root (default: $SYNAPTOGEN_DATA, then ~/.cache/synaptogen)')
    .option('--model <name>', 'model of the zoo', 'conv-small')
    .option('--width <x>', 'channel width multiplier', positiveNumber('--width'))
    .option('--timesteps <T>', 'time steps (default: the model reference)', positiveInt('--timesteps'))
    .option('--epochs <n>', 'epochs per variant (the same for all)', positiveInt('--epochs'), 2)
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), 32)
    .option('--lr <x>', 'SGD learning rate (momentum 0.9)', positiveNumber('--lr'), 0.05)
    .option('--train-limit <n>', 'training samples', positiveInt('--train-limit'), 2000)
    .option('--test-limit <n>', 'test samples', positiveInt('--test-limit'), 1000)
    .option('--sparsity <p>', 'final channel sparsity p', fraction('--sparsity'), 0.7)
    .option('--regrow <q>', 'regrowth ratio q (prune-only uses 0)', fraction('--regrow'), 0.1)
    .option('--mask-mode <mode>', 'soft (reference), hard or regrowable', 'soft')
    .option(
      '--min-keep <x>',
      'per-layer minimum of the min-keep and all-options variants: a fraction (< 1) or a count',
      (v) => Number(v),
      0.25,
    )
    .option(
      '--ramp-epochs <n>',
      'sparsity ramp of the ramp and all-options variants (default: half the epochs, at least 1)',
      positiveInt('--ramp-epochs'),
    )
    .option(
      '--finetune-epochs <n>',
      'frozen-structure epochs of the finetune and all-options variants',
      positiveInt('--finetune-epochs'),
      1,
    )
    .option(
      '--variants <list>',
      'comma-separated subset of: dense, prune-only, prune+regrow, score=firing-rate, score=pre-reset, score=<plugin> (--channel-score), min-keep, ramp, finetune, regrowable, all-options',
    )
    .option(
      '--channel-score <module>',
      'a channel-score plugin file or package (as for train), repeatable: adds the variant score=<its name>',
      collectChannelScore,
    )
    .option('--seed <n>', 'seed of initialisation, order and augmentation', (v) => Number(v), 0)
    .option(
      '--recalibrate-bn <batches>',
      'as for train: recount the BatchNorm statistics on this many training batches after each structure change (default 0: off)',
      nonNegativeInt('--recalibrate-bn'),
    )
    .option(
      '--recalibrate-bn-every <when>',
      'as for train: structure-change (default) or epoch (recount before every evaluation, dense too)',
      oneOf('--recalibrate-bn-every', ['structure-change', 'epoch'] as const),
    )
    .option('--out <file>', 'Markdown table to write (atomically)', 'ablation.md')
    .option(
      '--save-dir <dir>',
      'also save each trained model as a checkpoint <dir>/<variant> (input for robustness)',
    )
    .addOption(backendOption('wasm'))
    .addOption(simdOption())
    .option('--json', 'print the results as JSON on stdout')
    .action(async (o: AblateFlags) => {
      if (!['soft', 'hard', 'regrowable'].includes(o.maskMode))
        throw new CliError(`--mask-mode must be soft, hard or regrowable, got "${o.maskMode}"`, 2);
      if (!Number.isFinite(o.minKeep) || o.minKeep < 0 || (o.minKeep >= 1 && !Number.isInteger(o.minKeep)))
        throw new CliError(
          `--min-keep expects a fraction in [0, 1) or a whole channel count ≥ 1, got ${o.minKeep}`,
          2,
        );
      if (o.sparsity + o.regrow > 1)
        throw new CliError(`--sparsity + --regrow must be ≤ 1, got ${o.sparsity} + ${o.regrow}`, 2);
      if (!Number.isInteger(o.seed)) throw new CliError(`--seed must be an integer, got ${o.seed}`, 2);
      let selected = variants(o, await loadChannelScores(o.channelScore));
      if (o.variants) {
        const wanted = o.variants.split(',').map((s) => s.trim());
        const unknown = wanted.filter((w) => !selected.some((v) => v.name === w));
        if (unknown.length)
          throw new CliError(
            `--variants: unknown ${unknown.join(', ')}; expected: ${selected.map((v) => v.name).join(', ')}`,
            2,
          );
        selected = selected.filter((v) => wanted.includes(v.name));
      }
      if (selected.some((v) => v.learner?.options.finetuneEpochs) && o.finetuneEpochs >= o.epochs)
        throw new CliError(
          `--finetune-epochs ${o.finetuneEpochs} leaves no epoch for a pruning round in --epochs ${o.epochs} (variants finetune, all-options)`,
          2,
        );
      const backend = (await startEngine(o)).backend;
      const data = await loadSplits(o);
      const log = (l: string) => process.stderr.write(`${l}\n`);
      const results: VariantResult[] = [];
      for (const v of selected) {
        const { model, result } = await trainVariant(o, v, data, log);
        results.push(result);
        if (o.saveDir) {
          const dir = join(o.saveDir, v.name.replace(/[^a-z0-9+.-]/gi, '_'));
          await saveCheckpoint(dir, model.config, modelTensors(model), {
            dataset: o.dataset,
            seed: o.seed,
            variant: v.name,
            learner: result.learner,
            learnerOptions: result.options,
            testAccuracy: result.testAccuracy,
          });
        }
        model.dispose();
      }
      const setup = `${o.model}${o.width ? ` (width ${o.width})` : ''}${o.timesteps ? `, T = ${o.timesteps}` : ''} on ${o.dataset}: ${Math.min(o.trainLimit ?? Infinity, data.train.count)} train / ${Math.min(o.testLimit ?? Infinity, data.test.count)} test samples${data.heldOut ? ` (test: ${100 * data.heldOut}% of each class held out of the training split, seed ${o.seed})` : ''}, ${o.epochs} epochs, batch ${o.batchSize}, SGD lr ${o.lr}, seed ${o.seed}, ${backend}${o.recalibrateBn ? `, BatchNorm recounted on ${o.recalibrateBn} batches ${o.recalibrateBnEvery === 'epoch' ? 'after every epoch' : 'after structure changes'}` : ''}; SCA p = ${o.sparsity}, q = ${o.regrow}, ${o.maskMode} masks`;
      const table = markdownTable(
        [
          'variant',
          'score',
          'regrow q',
          'masks',
          'options',
          'test acc',
          'channels kept',
          'parameters (compacted)',
          'train s',
        ],
        results.map((r) => [
          r.variant,
          (r.options.score as string | undefined) ?? '—',
          r.learner === 'dense' ? '—' : String(r.options.regrow),
          (r.options.maskMode as string | undefined) ?? '—',
          optionsCell(r),
          pct(r.testAccuracy),
          pct(r.channelsKept),
          `${r.parameters} (${pct(r.parameters / r.parametersDense)})`,
          r.trainSeconds.toFixed(1),
        ]),
      );
      writeAtomic(o.out, `# SCA ablation\n\n${setup}\n\n${table}\n`);
      log(`wrote ${o.out}`);
      if (o.json) process.stdout.write(`${JSON.stringify({ setup, results })}\n`);
      else process.stdout.write(`${table}\n`);
    });
}
