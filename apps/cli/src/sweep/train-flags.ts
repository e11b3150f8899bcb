import { Command, type Option } from 'commander';
import { registerTrain } from '../commands/train.js';

/** A point's `train` options in camelCase, after train's own parsers (numbers are numbers). */
export type TrainParams = Record<string, unknown>;

/**
 * Options a sweep sets itself for every point: where it trains, how it reports. A sweep file that
 * gives one of them is told so.
 */
export const SWEEP_CONTROLLED: Record<string, string> = {
  out: 'each point trains in its own directory under the sweep’s --out',
  resume: 'the sweep resumes unfinished points by itself',
  json: 'the sweep reads every point’s JSON summary itself',
  quiet: 'the sweep shows each point’s progress itself',
  logEvery: 'the sweep reads every point’s progress itself',
  config: 'put the options in the sweep file itself',
  help: 'not a training option',
  version: 'not a training option',
};

/** The registered `train` command: its options are what a sweep file may set (never a copied list). */
export function trainCommand(): Command {
  const program = new Command();
  registerTrain(program);
  const train = program.commands.find((c) => c.name() === 'train');
  if (!train) throw new Error('the train command is not registered');
  return train;
}

/** camelCase name → commander option, for the options a sweep file may set. */
export function sweepableOptions(train = trainCommand()): Map<string, Option> {
  return new Map(
    train.options.map((o) => [o.attributeName(), o] as const).filter(([name]) => !(name in SWEEP_CONTROLLED)),
  );
}

/** The value `train` uses when a point does not set the option (e.g. epochs → 1). */
export function trainDefault(name: string, train = trainCommand()): unknown {
  return train.options.find((o) => o.attributeName() === name)?.defaultValue;
}

/** `{alpha: 0.05, augment: false, learnerOption: {t: 1}}` → `--alpha 0.05 --no-augment --learner-option t=1`. */
export function toTrainArgs(params: TrainParams, options = sweepableOptions()): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    const option = options.get(name);
    if (!option?.long) throw new Error(`train has no option "${name}"`);
    if (option.negate) {
      if (value === false) args.push(option.long);
    } else if (option.isBoolean()) {
      if (value === true) args.push(option.long);
    } else if (name === 'learnerOption') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        args.push(option.long, `${k}=${JSON.stringify(v)}`);
    } else {
      args.push(option.long, String(value));
    }
  }
  return args;
}
