import { availableParallelism, totalmem } from 'node:os';
import type { Command } from 'commander';
import { describeEngine } from '../engine/describe.js';
import { backendOption, simdOption, startEngine } from '../engine/engine.js';

interface DoctorFlags {
  backend: 'wasm' | 'cpu' | 'auto';
  simd: boolean;
  json?: boolean;
}

/** `synaptogen doctor`: what training would run on here (backend, SIMD, threads, kernels). */
export function registerDoctor(program: Command, version: string): void {
  program
    .command('doctor')
    .description('Show the engine commands run on: backend, SIMD, threads and the active kernels')
    .addOption(backendOption())
    .addOption(simdOption())
    .option('--json', 'one JSON line on stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen doctor
  $ synaptogen doctor --no-simd --json`,
    )
    .action(async (o: DoctorFlags) => {
      const engine = await startEngine(o);
      const report = {
        synaptogen: version,
        node: process.version,
        cores: availableParallelism(),
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        ...engine,
      };
      if (o.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const lines = [
        `synaptogen ${version} on Node ${process.version}, ${report.cores} cores, ${report.memoryGiB} GiB`,
        `engine: ${describeEngine(engine)}`,
      ];
      if (engine.accelerator?.kernels.length) lines.push(`kernels: ${engine.accelerator.kernels.join(', ')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
