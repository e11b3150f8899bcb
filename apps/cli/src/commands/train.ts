import { DATASET_NAMES } from '@synaptogen/datasets/node';
import { MODEL_NAMES } from '@synaptogen/nn';
import type { Command } from 'commander';
import { backendOption, simdOption } from '../engine/engine.js';
import { CliError } from '../errors.js';
import { collectChannelScore } from '../train/channel-scores.js';
import { applyConfigFile } from '../train/config-file.js';
import {
  fraction,
  intInRange,
  keyValue,
  nonNegativeInt,
  nonNegativeNumber,
  oneOf,
  openFraction,
  positiveInt,
  positiveNumber,
  positiveUpTo,
  type TrainOptions,
} from '../train/options.js';
import { applyPreset, applyPresetLearnerFlags, TRAIN_PRESETS } from '../train/presets.js';
import { Interrupted, runTraining } from '../train/run-training.js';

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('Train a spiking network with BPTT on a dataset found through the data root')
    .option(
      '--config <file>',
      'JSON file of flag values (e.g. {"learner": "gradr", "alpha": 0.05}); flags override it',
    )
    .option(
      '--preset <name>',
      `a named set-up, under --config and the flags: ${Object.entries(TRAIN_PRESETS)
        .map(([n, p]) => `${n} (${p.description})`)
        .join('; ')}`,
    )
    // the lists come from the registries, so help never hides a model or dataset
    .option('--dataset <name>', DATASET_NAMES.join(', '), 'mnist')
    .option('--model <name>', MODEL_NAMES.join(', '), 'gradr-mnist-mlp')
    .option(
      '--learner <name|package|./file.js>',
      'structure learner: dense (no pruning), gradr, deepr, soft-deepr, magnitude, sca, a package name or a plugin file',
      'dense',
    )
    .option('--alpha <x>', 'Grad R / Deep R prior rate α', positiveNumber('--alpha'))
    .option(
      '--target-sparsity <p>',
      'target sparsity (Grad R: p ≥ 0.5 sets the prior centre; Deep R: fixed budget; magnitude: final sparsity)',
      fraction('--target-sparsity'),
    )
    .option(
      '--max-cores <n>',
      'hardware-aware pruning (magnitude, deepr): prune until the network fits this many cores of --chip, instead of a --target-sparsity',
      positiveInt('--max-cores'),
    )
    .option(
      '--chip <name|file>',
      'chip of --max-cores: loihi (default), loihi2, truenorth, spinnaker, or a chip JSON file',
    )
    .option('--sparsity <x>', 'SCA: fraction of channels pruned', fraction('--sparsity'))
    .option('--regrow <x>', 'SCA: fraction of channels regrown', nonNegativeNumber('--regrow'))
    .option('--score <name>', 'SCA: channel score (e.g. activity)')
    .option(
      '--mask-mode <mode>',
      'SCA: how channel masks act: soft (the reference), hard, or regrowable (hard, but masked channels keep their filters and γ-gradients, so they can regrow)',
    )
    .option('--prune-interval <n>', 'SCA: epochs between pruning rounds', positiveInt('--prune-interval'))
    .option('--warmup <n>', 'SCA: epochs before the first pruning round', nonNegativeInt('--warmup'))
    .option(
      '--min-keep <x>',
      'SCA: channels every layer keeps, a fraction (< 1) or a count (default: none beyond 1, the global ranking alone)',
      nonNegativeNumber('--min-keep'),
    )
    .option(
      '--ramp-epochs <n>',
      'SCA: epochs over which the sparsity ramps from 0 to --sparsity (default 0: the final sparsity from the first round)',
      nonNegativeInt('--ramp-epochs'),
    )
    .option(
      '--finetune-epochs <n>',
      'SCA: last epochs trained with the structure frozen (no pruning rounds, masks enforced)',
      nonNegativeInt('--finetune-epochs'),
    )
    .option(
      '--recalibrate-bn <batches>',
      'after an epoch that changed the structure (SCA rounds), recount the BatchNorm statistics on this many training batches before evaluating (default 0: off, as in the SCA paper)',
      nonNegativeInt('--recalibrate-bn'),
    )
    .option(
      '--recalibrate-bn-every <when>',
      'with --recalibrate-bn: structure-change, or epoch (recount before every evaluation: the running means lag weights that move fast, and eval-mode accuracy can collapse while training accuracy rises)',
      oneOf('--recalibrate-bn-every', ['structure-change', 'epoch'] as const),
    )
    .option(
      '--channel-score <module>',
      'a channel-score plugin file or package for SCA (default export { name, score(record, { tf }), ofPotential? }), repeatable; then --learner-option score=\'"<name>"\'',
      collectChannelScore,
    )
    .option(
      '--learner-option <key=value>',
      'any learner option, repeatable (e.g. --learner-option temperature=1e-6); JSON values are parsed',
      keyValue('--learner-option'),
    )
    .option('--epochs <n>', 'epochs to train (in total, when resuming)', positiveInt('--epochs'), 1)
    .option('--batch-size <n>', 'samples per batch', positiveInt('--batch-size'), 128)
    .option(
      '--eval-batch-size <n>',
      'samples per evaluation batch (default: --batch-size)',
      positiveInt('--eval-batch-size'),
    )
    .option('--lr <x>', 'learning rate', positiveNumber('--lr'), 1e-3)
    .option('--optimizer <name>', 'adam or sgd', oneOf('--optimizer', ['adam', 'sgd'] as const), 'adam')
    .option('--momentum <x>', 'SGD momentum', nonNegativeNumber('--momentum'), 0.9)
    .option('--weight-decay <x>', 'L2 weight decay', nonNegativeNumber('--weight-decay'), 0)
    .option(
      '--l1 <x>',
      'L1 penalty on conv kernels (adds x·sign(w) to their gradients; the SCA paper uses 3e-5)',
      nonNegativeNumber('--l1'),
      0,
    )
    .option(
      '--lr-step <epochs>',
      'multiply the learning rate by --lr-gamma every this many epochs',
      positiveInt('--lr-step'),
    )
    .option('--lr-gamma <x>', 'step schedule factor', positiveNumber('--lr-gamma'), 0.1)
    .option(
      '--timesteps <T>',
      "time steps, 1 to 1000 (default: the model's reference T)",
      intInRange('--timesteps', 1, 1000),
    )
    .option('--width <x>', 'channel width multiplier of conv models, up to 16', positiveUpTo('--width', 16))
    .option(
      '--seed <n>',
      'seed of initialisation, shuffling, augmentation, dropout and the learner',
      nonNegativeInt('--seed'),
      0,
    )
    .option('--train-limit <n>', 'use only the first N training samples', positiveInt('--train-limit'))
    .option('--test-limit <n>', 'use only the first N test samples', positiveInt('--test-limit'))
    .option(
      '--holdout <x>',
      'test on this fraction of each class of the training split, drawn with --seed (default 0.2 where the data root has no test split, e.g. N-MNIST train1K)',
      openFraction('--holdout'),
    )
    .option('--data-dir <dir>', 'data root (default: $SYNAPTOGEN_DATA, then ~/.cache/synaptogen)')
    .option(
      '--out <dir>',
      'checkpoint directory, saved atomically after each epoch and on Ctrl-C/SIGTERM/SIGHUP (default: a new runs/<model>-<dataset>-<time>)',
    )
    .option('--resume <dir>', 'continue the run saved in this checkpoint directory (also after Ctrl-C)')
    .option('--overwrite', 'replace the run an existing --out directory holds (refused without it)')
    .option(
      '--warn-weights-above <x>',
      'warn once when some |weight| exceeds x (training goes on; NaN/Infinity always stops it)',
      positiveNumber('--warn-weights-above'),
      1000,
    )
    .option(
      '--learner-timeout <s>',
      'seconds a learner plugin may take to load',
      positiveNumber('--learner-timeout'),
      60,
    )
    .addOption(backendOption())
    .addOption(simdOption())
    .option(
      '--no-memory-check',
      'skip the up-front estimate of the wasm heap a training step and an evaluation batch need',
    )
    .option('--no-augment', 'no random crop / flip for colour images')
    .option(
      '--log-every <n>',
      'also print a progress line every n batches (for logs without a terminal)',
      positiveInt('--log-every'),
    )
    .option(
      '--curve-every <steps>',
      'steps between the points of the training curve the report plots (default: about 25 per epoch)',
      positiveInt('--curve-every'),
    )
    .option('--json', 'print one JSON summary line on stdout; progress lines go to stderr')
    .option('-q, --quiet', 'no progress bar and no per-epoch lines')
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen train --dataset mnist --model gradr-mnist-mlp --epochs 1 --json
  $ synaptogen train --learner gradr --alpha 5e-2 --target-sparsity 0.95 --epochs 3 --out runs/gradr
  $ synaptogen train --learner magnitude --chip loihi --max-cores 4 --learner-option endStep=350 --out runs/loihi4
  $ synaptogen train --learner ./my-learner.js --learner-option rate=0.1
  $ synaptogen train --config run.json --epochs 5
  $ synaptogen train --preset sca-paper-2core --seed 1
  $ synaptogen train --dataset cifar10 --model conv-small --epochs 5 --optimizer sgd --lr 0.05 --out runs/conv
  $ synaptogen train --resume runs/conv --epochs 10
  $ synaptogen train --dataset nmnist --model conv-small --learner sca --finetune-epochs 1 --epochs 5

Ctrl-C, SIGTERM and SIGHUP save a checkpoint of the unfinished epoch and exit with 130, 143 and 129;
--resume continues it exactly. A run whose loss or weights become NaN or infinite stops at that step
with exit code 3, keeping the last good checkpoint.`,
    )
    .action(async (rawFlags: Record<string, unknown>, command: Command) => {
      const preset = rawFlags.preset ? applyPreset(String(rawFlags.preset), command, rawFlags) : rawFlags;
      const configured = rawFlags.config ? applyConfigFile(String(rawFlags.config), command, preset) : preset;
      const flags = rawFlags.preset
        ? applyPresetLearnerFlags(String(rawFlags.preset), command, configured)
        : configured;
      const options = {
        ...flags,
        json: Boolean(flags.json),
        quiet: Boolean(flags.quiet),
      } as unknown as TrainOptions;
      if (options.finetuneEpochs !== undefined && !options.resume && options.finetuneEpochs >= options.epochs)
        throw new CliError(
          `--finetune-epochs ${options.finetuneEpochs} leaves no epoch for a pruning round in --epochs ${options.epochs}`,
          2,
        );
      if (options.recalibrateBnEvery && !options.recalibrateBn)
        throw new CliError(
          '--recalibrate-bn-every needs --recalibrate-bn <batches> (how many to recount on)',
          2,
        );
      const log = (line: string) => {
        if (options.quiet) return;
        (options.json ? process.stderr : process.stdout).write(`${line}\n`);
      };
      const warn = (line: string) => process.stderr.write(`synaptogen: ${line}\n`);
      try {
        const summary = await runTraining(options, log, warn);
        if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else
          log(
            `test accuracy ${(100 * (summary.testAccuracy ?? Number.NaN)).toFixed(2)}%, connectivity ${summary.connectivity.toFixed(4)}, checkpoint ${summary.checkpoint}`,
          );
      } catch (e) {
        if (e instanceof Interrupted) {
          // a clean stop: the checkpoint is saved, the message says how to continue
          process.stderr.write(`synaptogen: ${e.message}\n`);
          process.exitCode = e.exitCode;
          return;
        }
        if (e instanceof CliError) throw e;
        const err = e as Error & { code?: string };
        // library errors on bad input (unknown names, missing files, corrupt checkpoints) are one-liners
        throw new CliError(err.message, 1, err);
      }
    });
}
