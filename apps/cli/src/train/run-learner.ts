import { isAbsolute, resolve } from 'node:path';
import { type Chip, coreBudget } from '@synaptogen/hardware';
import { loadChip } from '@synaptogen/hardware/node';
import type { StructureLearner } from '@synaptogen/structure';
import { loadLearner } from '@synaptogen/structure/node';
import { CliError } from '../errors.js';
import { loadChannelScores } from './channel-scores.js';
import { learnerOptions, type TrainOptions } from './options.js';

const looksLikePath = (s: string) =>
  s.startsWith('.') || isAbsolute(s) || /\.(c|m)?js$/.test(s) || s.startsWith('file:');

/** A run's structure learner, not yet attached, and where it came from (stored in checkpoints). */
export interface RunLearner {
  learner: StructureLearner;
  source: string;
  /** The options object the factory received. */
  options: Record<string, unknown>;
}

/**
 * Builds the learner `--learner` names (built-in, plugin file or package) with the learner flags.
 * A plugin file is made absolute in `o.learner`, so that `--resume` finds it from any directory.
 */
export async function createRunLearner(o: TrainOptions, resumed: boolean): Promise<RunLearner> {
  if (!resumed && looksLikePath(o.learner) && !o.learner.startsWith('file:')) o.learner = resolve(o.learner);
  await loadChannelScores(o.channelScore, o.learnerTimeout);
  let loaded: Awaited<ReturnType<typeof loadLearner>>;
  try {
    loaded = await loadLearner(o.learner, { timeoutMs: 1000 * (o.learnerTimeout ?? 60) });
  } catch (e) {
    throw new CliError(`--learner: ${(e as Error).message}`, 2);
  }
  const options = learnerOptions(o);
  if (o.chip !== undefined && o.maxCores === undefined)
    throw new CliError('--chip sets the chip of a core budget: give --max-cores too', 2);
  if (o.maxCores !== undefined) options.budget = await budgetOf(o.chip ?? 'loihi', o.maxCores);
  try {
    return { learner: loaded.create(options), source: loaded.source, options };
  } catch (e) {
    const message = (e as Error).message;
    if (o.maxCores !== undefined && /unknown option.*"budget"/.test(message))
      throw new CliError(
        `--max-cores: learner "${o.learner}" takes no core budget (${message}); use --learner magnitude or deepr`,
        2,
      );
    throw new CliError(`--learner ${o.learner}: ${message}`, 2);
  }
}

/** `--chip`/`--max-cores`: a core budget a structure learner prunes towards. */
async function budgetOf(chipName: string, maxCores: number) {
  let chip: Chip;
  try {
    chip = await loadChip(chipName);
  } catch (e) {
    throw new CliError(`--chip: ${(e as Error).message}`, 2);
  }
  return coreBudget(chip, { maxCores });
}
