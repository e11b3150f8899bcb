import { recalibrateBatchNorm } from '@synaptogen/nn/train';
import type { Command } from 'commander';
import { backendOption, simdOption, startEngine } from '../engine/engine.js';
import { CliError } from '../errors.js';
import { evaluate, evaluationBatches, recountBatches, restoreCheckpoint } from '../eval/evaluate.js';
import { positiveNumber } from '../eval/event-frames.js';
import { nonNegativeInt, oneOf, positiveInt } from '../train/options.js';

interface EvalFlags {
  dataset?: string;
  dataDir?: string;
  split: 'train' | 'test';
  frameMs?: number;
  timeBins?: number;
  frameSize?: number;
  samples?: number;
  batchSize: number;
  recalibrateBn?: number;
  seed: number;
  backend: 'wasm' | 'cpu' | 'auto';
  simd: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** `synaptogen eval CHECKPOINT --dataset D`: accuracy of any checkpoint (trained, imported, compacted) on real data. */
export function registerEval(program: Command): void {
  program
    .command('eval <checkpoint>')
    .description(
      'Accuracy of a checkpoint on a dataset split (any checkpoint: trained, compacted or imported from NIR)',
    )
    .option('--dataset <name>', 'dataset (default: the one the checkpoint was trained on)')
    .option('--data-dir <dir>', 'data root (default: $SYNAPTOGEN_DATA, then ~/.cache/synaptogen)')
    .option('--split <name>', 'train or test', oneOf('--split', ['train', 'test'] as const), 'test')
    .option(
      '--frame-ms <ms>',
      'event datasets: frames of this many ms over the whole recording (tonic ToFrame)',
      positiveNumber('--frame-ms'),
    )
    .option(
      '--time-bins <n>',
      'event datasets: this many equal time spans per recording',
      positiveInt('--time-bins'),
    )
    .option(
      '--frame-size <n>',
      'event datasets with --frame-ms/--time-bins: down-sample frames to n×n',
      positiveInt('--frame-size'),
    )
    .option(
      '--samples <n>',
      'evaluate at most this many samples (in dataset order)',
      positiveInt('--samples'),
    )
    .option('--batch-size <n>', 'samples per forward pass', positiveInt('--batch-size'), 16)
    .option(
      '--recalibrate-bn <batches>',
      'first recount the BatchNorm statistics on this many training batches (seeded shuffle of the train split): for a checkpoint whose running means lag its weights (eval-mode accuracy far below its training accuracy)',
      positiveInt('--recalibrate-bn'),
    )
    .option('--seed <n>', 'seed of the --recalibrate-bn shuffle', nonNegativeInt('--seed'), 0)
    .addOption(backendOption())
    .addOption(simdOption())
    .option('--json', 'print one JSON line: testAccuracy, testSamples, correct, ...')
    .option('-q, --quiet', 'no progress lines on stderr')
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen eval runs/mlp --dataset mnist --json
  $ synaptogen import cnn_sinabs.nir --out runs/sinabs
  $ synaptogen eval runs/sinabs --dataset nmnist --split train --frame-ms 1 --json
  $ synaptogen eval runs/nmnist-sca --split train --recalibrate-bn 25 --batch-size 32`,
    )
    .action(async (checkpoint: string, f: EvalFlags) => {
      const log = (l: string) => {
        if (!f.quiet) process.stderr.write(`${l}\n`);
      };
      const frameMs = f.frameMs;
      if (frameMs !== undefined && f.timeBins !== undefined)
        throw new CliError('--frame-ms and --time-bins exclude each other', 2);
      await startEngine(f);
      const started = performance.now();
      const { model, meta } = await restoreCheckpoint(checkpoint);
      const fromRun = (meta.run as { options?: { dataset?: string } } | undefined)?.options?.dataset;
      const dataset = f.dataset ?? (meta.dataset as string | undefined) ?? fromRun;
      if (!dataset)
        throw new CliError(
          `checkpoint ${checkpoint}: does not say which dataset it is for; pass --dataset`,
          2,
        );
      const { source, count } = await evaluationBatches({
        dataset,
        dataDir: f.dataDir,
        split: f.split,
        samples: f.samples,
        batchSize: f.batchSize,
        frameMs,
        timeBins: f.timeBins,
        frameSize: f.frameSize,
      });
      let recounted: number | undefined;
      if (f.recalibrateBn) {
        const framing = { frameMs, timeBins: f.timeBins, frameSize: f.frameSize };
        const source = await recountBatches(
          { dataset, dataDir: f.dataDir, batchSize: f.batchSize, ...framing },
          f.recalibrateBn,
          f.seed,
        );
        recounted = await recalibrateBatchNorm(model, source, f.recalibrateBn);
        log(
          `${checkpoint}: BatchNorm statistics recounted on ${recounted} training batches (seed ${f.seed})`,
        );
      }
      log(`${checkpoint}: evaluating ${model.config.name} on ${count} ${dataset} ${f.split} samples`);
      let next = 0;
      let r: Awaited<ReturnType<typeof evaluate>>;
      try {
        r = await evaluate(model, source, (done, correct) => {
          if (done >= next) {
            log(`  ${done}/${count}: accuracy ${((100 * correct) / done).toFixed(2)}%`);
            next = done + Math.max(f.batchSize, Math.ceil(count / 10));
          }
        });
      } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError(`${checkpoint}: ${(e as Error).message}`, 1);
      } finally {
        model.dispose();
      }
      const summary = {
        checkpoint,
        model: model.config.name,
        dataset,
        split: f.split,
        testSamples: r.samples,
        testAccuracy: r.accuracy,
        correct: r.correct,
        ...(recounted !== undefined ? { recalibratedBatches: recounted } : {}),
        ...(frameMs !== undefined ? { frameMs } : {}),
        ...(f.timeBins !== undefined ? { timeBins: f.timeBins } : {}),
        seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
      };
      if (f.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else
        process.stdout.write(
          `${checkpoint}: ${(100 * r.accuracy).toFixed(2)}% (${r.correct}/${r.samples}) on ${dataset} ${f.split}\n`,
        );
    });
}
