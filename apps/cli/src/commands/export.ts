import { resolve } from 'node:path';
import { exportNir, NirError, writeNirFile } from '@synaptogen/nir/node';
import { initBackend } from '@synaptogen/nn';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { restoreCheckpoint } from '../eval/evaluate.js';
import { oneOf } from '../train/options.js';

interface ExportFlags {
  format: 'nir';
  out: string;
  dt?: string;
  roundTrip: boolean;
  json?: boolean;
}

/** `synaptogen export CKPT --format nir --out net.nir`: a checkpoint as a NIR graph for other simulators and chips. */
export function registerExport(program: Command): void {
  program
    .command('export <checkpoint>')
    .description(
      'Export a checkpoint (dense, pruned or compacted) as a NIR graph for Sinabs, Norse, Lava, SpiNNaker2, ...',
    )
    .option('--format <name>', 'output format', oneOf('--format', ['nir'] as const), 'nir')
    .requiredOption('--out <file>', 'file to write (atomically)')
    .option('--dt <seconds>', 'seconds per time step: LIF τ in NIR is τ(steps)·dt (default 0.001)')
    .option('--no-round-trip', 'leave out the synaptogen_* metadata that makes re-import bit-identical')
    .option('--json', 'print {checkpoint, out, nodes, sparsity} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen export runs/gradr --format nir --out gradr.nir
  $ synaptogen export runs/sca-small --out sca.nir --dt 0.0001 --json`,
    )
    .action(async (checkpoint: string, f: ExportFlags) => {
      const dt = f.dt === undefined ? undefined : Number(f.dt);
      if (dt !== undefined && !(dt > 0 && Number.isFinite(dt)))
        throw new CliError(`--dt expects a positive number of seconds, got "${f.dt}"`, 2);
      await initBackend({ backend: 'cpu' });
      const { model } = await restoreCheckpoint(checkpoint);
      const out = resolve(f.out);
      let nodes: { name: string; type: string }[];
      let sparsity: Record<string, number>;
      try {
        const graph = exportNir(model, { dt, roundTrip: f.roundTrip });
        await writeNirFile(out, graph);
        nodes = [...graph.nodes].map(([name, n]) => ({ name, type: n.type }));
        const s = graph.metadata.sparsity as Record<string, { data: ArrayLike<number> }>;
        sparsity = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.data[0]]));
      } catch (e) {
        if (e instanceof NirError) throw new CliError(`checkpoint ${checkpoint}: ${e.message}`, 1);
        throw e;
      } finally {
        model.dispose();
      }
      if (f.json) {
        process.stdout.write(`${JSON.stringify({ checkpoint, out, nodes, sparsity })}\n`);
        return;
      }
      const lines = nodes.map((n) => {
        const s = sparsity[n.name];
        return `  ${n.name.padEnd(20)} ${n.type}${s === undefined ? '' : `  sparsity ${(100 * s).toFixed(1)}%`}`;
      });
      process.stdout.write(`${checkpoint} → ${out}\n${lines.join('\n')}\n`);
    });
}
