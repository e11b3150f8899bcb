import type { Command } from 'commander';

export function registerTrain(program: Command): void {
  program.command('train').description('Train a spiking network (work in progress)');
}
