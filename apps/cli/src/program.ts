import { Command } from 'commander';
import { registerAblate } from './commands/ablate.js';
import { registerCompact } from './commands/compact.js';
import { registerCost } from './commands/cost.js';
import { registerDatasets } from './commands/datasets.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEval } from './commands/eval.js';
import { registerEvents } from './commands/events.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerReport } from './commands/report.js';
import { registerRobustness } from './commands/robustness.js';
import { registerSweep } from './commands/sweep.js';
import { registerTrain } from './commands/train.js';
import { registerWorker } from './commands/worker.js';

/** Builds the `synaptogen` command tree. Each command lives in `commands/<name>.ts` and registers itself here. */
export function buildProgram(version: string): Command {
  const program = new Command('synaptogen')
    .description('Train spiking neural networks and learn which synapses and channels to keep.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)');
  registerTrain(program);
  registerReport(program);
  registerDatasets(program);
  registerEvents(program);
  registerCost(program);
  registerCompact(program);
  registerEval(program);
  registerExport(program);
  registerImport(program);
  registerAblate(program);
  registerRobustness(program);
  registerSweep(program);
  registerWorker(program);
  registerDoctor(program, version);
  return program;
}
