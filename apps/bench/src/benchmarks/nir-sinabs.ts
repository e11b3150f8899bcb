/**
 * The NIR paper's N-MNIST CNN, written by Sinabs (`cnn_sinabs.nir`), imported with `synaptogen import`
 * and evaluated with `synaptogen eval --frame-ms 1` — frames of 1 ms over each whole recording, as the
 * paper's platforms fed it — on the real N-MNIST recordings of the data root, then costed with
 * `synaptogen cost`. The built CLI runs as a process, as a user would run it.
 *
 * The data root holds 1000 recordings of N-MNIST's *training* set (data/SOURCES.md); the accuracies the
 * NIR paper reports (Sinabs 98.47%, Norse 98.11%, snnTorch 97.85%, ...) are on the 10,000 test
 * recordings, which are not on this machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, Benchmark, BenchRecord } from '../record.js';

const here = dirname(fileURLToPath(import.meta.url));

function run(bin: string, args: string[], ctx: BenchContext): string {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SYNAPTOGEN_DATA: ctx.dataRoot },
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0)
    throw new Error(`nir-sinabs: synaptogen ${args[0]} failed: ${r.stderr.trim().split('\n').at(-1)}`);
  return r.stdout;
}

export const nirSinabs: Benchmark = {
  name: 'nir-sinabs',
  description:
    'the NIR paper N-MNIST CNN (Sinabs) imported from NIR: accuracy with 1 ms frames on real N-MNIST, cost',
  async run(ctx) {
    const bin = resolve(here, '../../cli/dist/bin.js');
    if (!existsSync(bin)) throw new Error(`nir-sinabs: ${bin} not found; build the CLI first`);
    const nir = resolve(ctx.dataRoot, '../peer/nir/paper/02_cnn/cnn_sinabs.nir');
    const dir = mkdtempSync(join(tmpdir(), 'bench-nir-sinabs-'));
    const samples = ctx.quick ? 200 : 1000;
    try {
      const ckpt = join(dir, 'sinabs');
      run(bin, ['import', nir, '--out', ckpt, '--dataset', 'nmnist', '--json'], ctx);
      ctx.log(`imported ${nir}; evaluating on ${samples} recordings`);
      const started = performance.now();
      const e = JSON.parse(
        run(
          bin,
          [
            'eval',
            ckpt,
            '--split',
            'train',
            '--frame-ms',
            '1',
            '--samples',
            String(samples),
            '--batch-size',
            '16',
            '--json',
            '-q',
          ],
          ctx,
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      ctx.log(
        `accuracy ${(100 * e.testAccuracy).toFixed(2)}% (${e.correct}/${e.testSamples}) in ${seconds.toFixed(0)} s`,
      );
      const costSamples = ctx.quick ? 50 : 200;
      const c = JSON.parse(
        run(
          bin,
          [
            'cost',
            ckpt,
            '--split',
            'train',
            '--frame-ms',
            '1',
            '--samples',
            String(costSamples),
            '--batch-size',
            '8',
            '--json',
            '-q',
          ],
          ctx,
        ),
      );
      const config = {
        file: 'paper/02_cnn/cnn_sinabs.nir',
        split: 'train (data/nmnist: 1000 training recordings)',
        frameMs: 1,
        samples,
      };
      const record = (
        metric: string,
        value: number,
        unit: string,
        extra: Record<string, unknown> = {},
      ): BenchRecord => ({
        benchmark: 'nir-sinabs',
        metric,
        value,
        unit,
        config: { ...config, ...extra },
      });
      return [
        record('accuracy', 100 * e.testAccuracy, '%', { correct: e.correct, testSamples: e.testSamples }),
        record('eval-seconds', seconds, 's'),
        record('effective-ACs', c.effectiveACs, 'ops/sample', { costSamples }),
        record('effective-MACs', c.effectiveMACs, 'ops/sample', { costSamples }),
        record('energy', c.energyPicojoules / 1e6, 'µJ/sample', { costSamples, preset: '45nm-fp32' }),
        record('loihi-cores', c.cores, 'cores', { costSamples }),
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
