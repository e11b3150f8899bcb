import { Command } from 'commander';
import { registerDatasets } from './commands/datasets.js';
import { registerEvents } from './commands/events.js';
import { registerTrain } from './commands/train.js';

/** Builds the `synaptogen` command tree. Each command lives in `commands/<name>.ts` and registers itself here. */
export function buildProgram(version: string): Command {
  const program = new Command('synaptogen')
    .description('Train spiking neural networks and learn which synapses and channels to keep.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)');
  registerTrain(program);
  registerDatasets(program);
  registerEvents(program);
  return program;
}
