import { resolve } from 'node:path';
import { importNirFile, NirError } from '@synaptogen/nir/node';
import { initBackend, modelTensors } from '@synaptogen/nn';
import { saveCheckpoint } from '@synaptogen/nn/node';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { positiveInt } from '../train/options.js';

interface ImportFlags {
  out?: string;
  dt?: string;
  timeSteps?: number;
  name?: string;
  dataset?: string;
  json?: boolean;
}

/** `synaptogen import net.nir --out CKPT`: a NIR graph (Sinabs, Norse, Rockpool, snnTorch, ...) as a checkpoint. */
export function registerImport(program: Command): void {
  program
    .command('import <file>')
    .description(
      'Import a NIR graph (.nir) as a synaptogen checkpoint that eval, cost, compact and train --resume read',
    )
    .requiredOption('--out <dir>', 'checkpoint directory to write (atomically)')
    .option(
      '--dt <seconds>',
      "seconds per time step, turns LIF τ into steps (default: the graph's dt metadata, else 0.001)",
    )
    .option(
      '--time-steps <n>',
      "time steps T for static inputs (default: the graph's time_steps metadata, else 1)",
      positiveInt('--time-steps'),
    )
    .option('--name <name>', 'model name in the checkpoint')
    .option('--dataset <name>', 'dataset the network is for (stored, so eval and cost need no --dataset)')
    .option('--json', 'print {file, out, model, layers, mapping} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen import cnn_sinabs.nir --out runs/sinabs --dataset nmnist
  $ synaptogen import lif_norse.nir --out runs/lif --dt 0.0001`,
    )
    .action(async (file: string, f: ImportFlags) => {
      const dt = f.dt === undefined ? undefined : Number(f.dt);
      if (dt !== undefined && !(dt > 0 && Number.isFinite(dt)))
        throw new CliError(`--dt expects a positive number of seconds, got "${f.dt}"`, 2);
      await initBackend({ backend: 'cpu' });
      const out = resolve(f.out as string);
      let imported: Awaited<ReturnType<typeof importNirFile>>;
      try {
        imported = await importNirFile(file, { dt, T: f.timeSteps, name: f.name });
      } catch (e) {
        if (e instanceof NirError) throw new CliError(e.message, 1);
        throw e;
      }
      const { model, mapping } = imported;
      await saveCheckpoint(out, model.config, modelTensors(model), {
        importedFrom: resolve(file),
        ...(f.dataset ? { dataset: f.dataset } : {}),
        nir: { dt: dt ?? null, mapping },
      });
      const summary = {
        file: resolve(file),
        out,
        model: model.config.name,
        layers: model.config.layers?.length,
        mapping,
      };
      model.dispose();
      if (f.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else process.stdout.write(`${file} → ${out}\n${mapping.map((l) => `  ${l}`).join('\n')}\n`);
    });
}
