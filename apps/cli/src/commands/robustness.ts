import { restoreModel, type SpikingModel } from '@synaptogen/nn';
import { CheckpointError } from '@synaptogen/nn/checkpoint';
import { loadCheckpoint } from '@synaptogen/nn/node';
import * as tf from '@tensorflow/tfjs-core';
import type { Command } from 'commander';
import { backendOption, simdOption, startEngine } from '../engine/engine.js';
import { CliError } from '../errors.js';
import {
  accuracy,
  loadSplits,
  markdownTable,
  numberList,
  pct,
  positiveInt,
  writeAtomic,
} from './sca-experiment.js';

interface RobustnessFlags {
  dataset?: string;
  dataDir?: string;
  testLimit: number;
  inputNoise: number[];
  weightNoise: number[];
  seed: number;
  out: string;
  json?: boolean;
  backend: 'wasm' | 'cpu' | 'auto';
  simd: boolean;
}

interface Row {
  checkpoint: string;
  noise: 'input' | 'weight';
  sigma: number;
  accuracy: number;
}

/**
 * Adds σ·std(w)·ε to the nonzero entries of every conv and linear weight (pruned synapses stay
 * absent: they do not exist on the hardware). Returns the original values for restoring.
 */
function perturbWeights(model: SpikingModel, sigma: number, seed: number): tf.Tensor[] {
  return model.prunableWeights().map(([, w], i) => {
    const original = tf.clone(w);
    tf.tidy(() => {
      const alive = tf.cast(tf.notEqual(w, 0), 'float32');
      const n = Math.max(tf.sum(alive).dataSync()[0], 1);
      const mean = tf.div(tf.sum(w), n);
      const std = tf.sqrt(tf.div(tf.sum(tf.mul(tf.square(tf.sub(w, mean)), alive)), n));
      // tfjs treats seed 0 as "no seed" (Math.random), so seeds here start at 1
      const eps = tf.randomNormal(w.shape, 0, 1, 'float32', 1 + seed * 1000 + i);
      w.assign(tf.add(w, tf.mul(tf.mul(eps, tf.mul(std, sigma)), alive)));
    });
    return original;
  });
}

export function registerRobustness(program: Command): void {
  program
    .command('robustness <checkpoints...>')
    .description(
      'Test accuracy of trained models (e.g. dense vs SCA-pruned) under Gaussian input noise and weight noise at several levels; writes a table',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen robustness runs/dense runs/sca
  $ synaptogen robustness runs/dense runs/sca --input-noise 0,0.2,0.5 --weight-noise 0.1,0.3 --json
`,
    )
    .option('--dataset <name>', "dataset (default: the checkpoint's)")
    .option('--data-dir <dir>', 'data root (default: $SYNAPTOGEN_DATA, then ~/.cache/synaptogen)')
    .option('--test-limit <n>', 'test samples', positiveInt('--test-limit'), 1000)
    .option(
      '--input-noise <list>',
      'σ of N(0, σ²) added to the (normalised) inputs',
      numberList('--input-noise'),
      [0, 0.1, 0.2, 0.5],
    )
    .option(
      '--weight-noise <list>',
      'σ relative to each layer’s weight std, added to its nonzero weights',
      numberList('--weight-noise'),
      [0.05, 0.1, 0.2, 0.5],
    )
    .option('--seed <n>', 'noise seed', (v) => Number(v), 0)
    .option('--out <file>', 'Markdown table to write (atomically)', 'robustness.md')
    .addOption(backendOption('wasm'))
    .addOption(simdOption())
    .option('--json', 'print the rows as JSON on stdout')
    .action(async (checkpoints: string[], o: RobustnessFlags) => {
      if (!Number.isInteger(o.seed)) throw new CliError(`--seed must be an integer, got ${o.seed}`, 2);
      await startEngine(o);
      const rows: Row[] = [];
      const log = (l: string) => process.stderr.write(`${l}\n`);
      for (const ckpt of checkpoints) {
        let model: SpikingModel;
        let dataset: string | undefined;
        let splitSeed: number | undefined;
        try {
          const data = await loadCheckpoint(ckpt);
          const meta = data.manifest.meta as {
            dataset?: string;
            seed?: number;
            run?: { options?: { dataset?: string; seed?: number } };
          };
          // a held-out test set (datasets without a test split) is drawn with the training run's seed
          splitSeed = meta.seed ?? meta.run?.options?.seed;
          dataset = o.dataset ?? meta.dataset ?? meta.run?.options?.dataset;
          model = restoreModel(ckpt, data);
          for (const t of data.tensors.values()) t.dispose();
        } catch (e) {
          if (e instanceof CheckpointError) throw new CliError(e.message);
          throw e;
        }
        if (!dataset) throw new CliError(`checkpoint ${ckpt}: no dataset recorded; pass --dataset`, 2);
        const { test } = await loadSplits({
          dataset,
          dataDir: o.dataDir,
          testLimit: o.testLimit,
          seed: splitSeed,
        });
        for (const sigma of o.inputNoise) {
          const acc = await accuracy(model, test, o.testLimit, (x, i) =>
            sigma > 0
              ? tf.add(x, tf.randomNormal(x.shape, 0, sigma, 'float32', 500_000_001 + o.seed * 100_003 + i))
              : x,
          );
          rows.push({ checkpoint: ckpt, noise: 'input', sigma, accuracy: acc });
          log(`${ckpt}: input noise σ=${sigma}: ${pct(acc)}`);
        }
        for (const sigma of o.weightNoise) {
          const originals = perturbWeights(model, sigma, o.seed);
          const acc = await accuracy(model, test, o.testLimit);
          model.prunableWeights().forEach(([, w], i) => {
            w.assign(originals[i]);
          });
          tf.dispose(originals);
          rows.push({ checkpoint: ckpt, noise: 'weight', sigma, accuracy: acc });
          log(`${ckpt}: weight noise σ=${sigma}·std: ${pct(acc)}`);
        }
        model.dispose();
      }
      const levels = [...new Set(rows.map((r) => `${r.noise} σ=${r.sigma}`))];
      const table = markdownTable(
        ['noise', ...checkpoints],
        levels.map((level) => [
          level,
          ...checkpoints.map((c) => {
            const r = rows.find((x) => x.checkpoint === c && `${x.noise} σ=${x.sigma}` === level);
            return r ? pct(r.accuracy) : 'n/a';
          }),
        ]),
      );
      writeAtomic(
        o.out,
        `# Robustness\n\nTest accuracy on ${o.testLimit} samples; input noise N(0, σ²) on the normalised inputs; weight noise σ·std(w)·N(0, 1) on nonzero weights; seed ${o.seed}.\n\n${table}\n`,
      );
      log(`wrote ${o.out}`);
      if (o.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else process.stdout.write(`${table}\n`);
    });
}
