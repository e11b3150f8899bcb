import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { applyFlagValues } from './config-file.js';

/** A named set of `train` flag values; flags given on the command line (or in --config) win. */
export interface TrainPreset {
  description: string;
  flags: Record<string, unknown>;
  /**
   * Options of the preset's own learner, applied only when the run uses that learner: `--preset
   * sca-paper-2core --learner dense` is the same set-up without pruning (the dense baseline), not an
   * error about options dense does not take.
   */
  learnerFlags?: Record<string, unknown>;
}

/**
 * The SCA paper's training set-up (specs/sca.md, "Reference setup"): VGG-16 SNN, IF neurons
 * (sigmoid surrogate α = 4, the model's default), T = 4, SGD lr 0.01 momentum 0.9 with ×0.1 every
 * 100 epochs for 300 epochs, batch 64, crop + flip augmentation, L1 3e-5 on the conv kernels, SCA at
 * p = 0.7, q = 0.1.
 */
/** SCA's p and q in the paper. */
const SCA_PAPER_LEARNER = { sparsity: 0.7, regrow: 0.1 };

const SCA_PAPER: Record<string, unknown> = {
  dataset: 'cifar10',
  model: 'sca-vgg16',
  learner: 'sca',
  timesteps: 4,
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  lrStep: 100,
  lrGamma: 0.1,
  epochs: 300,
  batchSize: 64,
  augment: true,
  l1: 3e-5,
};

export const TRAIN_PRESETS: Record<string, TrainPreset> = {
  'sca-paper': {
    description: 'the SCA paper: VGG-16 SNN on CIFAR-10, T 4, SGD 0.01 momentum 0.9, L1 3e-5, 300 epochs',
    flags: SCA_PAPER,
    learnerFlags: SCA_PAPER_LEARNER,
  },
  'sca-paper-2core': {
    description:
      'the paper set-up on a 2-core budget: conv-small at full width (32-64-128 channels), 10 epochs of the 10k training images, lr 0.05 for the short schedule',
    flags: {
      ...SCA_PAPER,
      model: 'conv-small',
      width: 1,
      epochs: 10,
      trainLimit: 10000,
      lr: 0.05,
      lrStep: 7,
    },
    learnerFlags: SCA_PAPER_LEARNER,
  },
};

export const PRESET_NAMES = Object.keys(TRAIN_PRESETS);

/** Merges preset `name` under `flags` (command-line flags win); one line naming the presets when unknown. */
export function applyPreset(
  name: string,
  command: Command,
  flags: Record<string, unknown>,
): Record<string, unknown> {
  const preset = TRAIN_PRESETS[name];
  if (!preset)
    throw new CliError(`--preset: unknown preset "${name}"; expected one of: ${PRESET_NAMES.join(', ')}`, 2);
  return applyFlagValues(`--preset ${name}`, preset.flags, command, flags);
}

/**
 * The preset's learner options, after --config and the flags have been merged: only when the run
 * still uses the preset's learner, and only for options neither of them set.
 */
export function applyPresetLearnerFlags(
  name: string,
  command: Command,
  flags: Record<string, unknown>,
): Record<string, unknown> {
  const preset = TRAIN_PRESETS[name];
  if (!preset?.learnerFlags || flags.learner !== preset.flags.learner) return flags;
  const unset = Object.entries(preset.learnerFlags).filter(([key]) => flags[key] === undefined);
  return applyFlagValues(`--preset ${name}`, Object.fromEntries(unset), command, flags);
}
