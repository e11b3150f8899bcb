import { resolve } from 'node:path';
import { modelTensors, restoreModel } from '@synaptogen/nn';
import { CheckpointError } from '@synaptogen/nn/checkpoint';
import { loadCheckpoint, saveCheckpoint } from '@synaptogen/nn/node';
import { compactModel } from '@synaptogen/structure';
import type { Command } from 'commander';
import { backendOption, simdOption, startEngine } from '../engine/engine.js';
import { CliError } from '../errors.js';

interface CompactFlags {
  out?: string;
  json?: boolean;
  backend: 'wasm' | 'cpu' | 'auto';
  simd: boolean;
}

/** `synaptogen compact CHECKPOINT`: removes masked channels and writes a smaller dense checkpoint. */
export function registerCompact(program: Command): void {
  program
    .command('compact <checkpoint>')
    .description(
      'Physically remove masked conv channels (SCA): conv out-channels, BN entries, the next layer inputs; writes a smaller dense model with the same outputs',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen train --dataset cifar10 --model conv-small --learner sca --sparsity 0.7 --regrow 0.1 --out runs/sca
  $ synaptogen compact runs/sca --out runs/sca-small --json
`,
    )
    .option('--out <dir>', 'output checkpoint directory (default: <checkpoint>-compact; written atomically)')
    .addOption(backendOption('cpu'))
    .addOption(simdOption())
    .option('--json', 'print {checkpoint, out, channels, parametersBefore, parametersAfter} as JSON')
    .action(async (checkpoint: string, o: CompactFlags) => {
      await startEngine(o);
      const out = resolve(o.out ?? `${checkpoint.replace(/[/\\]+$/, '')}-compact`);
      if (out === resolve(checkpoint))
        throw new CliError('--out must differ from the checkpoint (the masked model is kept)', 2);
      let summary: Record<string, unknown>;
      try {
        const data = await loadCheckpoint(checkpoint);
        const model = restoreModel(checkpoint, data);
        for (const t of data.tensors.values()) t.dispose();
        const c = compactModel(model);
        const meta = data.manifest.meta as { dataset?: string; run?: { options?: { dataset?: string } } };
        await saveCheckpoint(out, c.model.config, modelTensors(c.model), {
          dataset: meta.dataset ?? meta.run?.options?.dataset,
          compactedFrom: resolve(checkpoint),
          channels: c.channels,
          parametersBefore: c.parametersBefore,
          parametersAfter: c.parametersAfter,
          sourceMeta: { ...data.manifest.meta, run: undefined },
        });
        summary = {
          checkpoint: resolve(checkpoint),
          out,
          channels: c.channels,
          parametersBefore: c.parametersBefore,
          parametersAfter: c.parametersAfter,
        };
        model.dispose();
        c.model.dispose();
      } catch (e) {
        if (e instanceof CheckpointError) throw new CliError(e.message);
        throw e;
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const channels = summary.channels as Record<string, { before: number; after: number }>;
      const lines = Object.entries(channels).map(([k, v]) => `  ${k.padEnd(16)} ${v.before} → ${v.after}`);
      const before = summary.parametersBefore as number;
      const after = summary.parametersAfter as number;
      process.stdout.write(
        `${checkpoint} → ${out}\nchannels per conv:\n${lines.join('\n')}\nparameters ${before} → ${after} (${((100 * after) / before).toFixed(1)}%)\n`,
      );
    });
}
