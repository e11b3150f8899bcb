import { resolve } from 'node:path';
import type { Command } from 'commander';
import { checkReachable, runWorker } from '../sweep/queue.js';
import { positiveInt } from '../train/options.js';

interface WorkerFlags {
  queue: string;
  concurrency: number;
  dataDir?: string;
  lockSeconds: number;
  maxStalls: number;
  quiet?: boolean;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'Train sweep points from a BullMQ queue on Redis (added by `synaptogen sweep --queue`), on any machine sharing the sweep directory',
    )
    .requiredOption('--queue <redis-url>', 'the Redis the sweep uses, e.g. redis://10.0.0.5:6379')
    .option('--concurrency <n>', 'points trained at once by this worker', positiveInt('--concurrency'), 1)
    .option(
      '--data-dir <dir>',
      'data root on this machine (default: $SYNAPTOGEN_DATA, then ~/.cache/synaptogen)',
    )
    .option(
      '--lock-seconds <s>',
      'a point of a worker that died goes to another worker after this many seconds',
      positiveInt('--lock-seconds'),
      30,
    )
    .option(
      '--max-stalls <n>',
      'a point whose worker died this many times is marked failed',
      positiveInt('--max-stalls'),
      3,
    )
    .option('-q, --quiet', 'no log lines')
    .addHelpText(
      'after',
      `
Ctrl-C (or SIGTERM) stops the worker: its running points save a checkpoint and go back to the queue.

Examples:
  $ synaptogen worker --queue redis://10.0.0.5:6379
  $ synaptogen worker --queue redis://127.0.0.1:6379 --concurrency 2 --data-dir /data/synaptogen`,
    )
    .action(async (flags: WorkerFlags) => {
      await checkReachable(flags.queue);
      const stop = new AbortController();
      const onSignal = () => {
        if (stop.signal.aborted) process.exit(130);
        stop.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await runWorker(
          flags.queue,
          {
            cli: resolve(process.argv[1]),
            dataDir: flags.dataDir,
            concurrency: flags.concurrency,
            lockSeconds: flags.lockSeconds,
            maxStalls: flags.maxStalls,
            log: (line) => {
              if (!flags.quiet) process.stderr.write(`[worker ${process.pid}] ${line}\n`);
            },
          },
          stop.signal,
        );
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
