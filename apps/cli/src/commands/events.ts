import { writeFileAtomic } from '@synaptogen/datasets/files';
import {
  DatasetError,
  type EventStream,
  encodeNpy,
  frameShape,
  integrateFrames,
  readEvents,
  type SplitBy,
  summarizeEvents,
} from '@synaptogen/datasets/node';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError } from '../errors.js';

async function load(file: string): Promise<EventStream> {
  try {
    return await readEvents(file);
  } catch (err) {
    if (err instanceof DatasetError) throw new CliError(err.message);
    throw err;
  }
}

const positiveInt = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`${flag} must be a positive integer, got "${v}"`);
  return n;
};

export function registerEvents(program: Command): void {
  const cmd = program
    .command('events')
    .description(
      'Inspect any DVS recording (AEDAT 2.0, AEDAT 4.0, N-MNIST .bin/.bs2) and integrate it into frames',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ synaptogen events info recording.aedat
  $ synaptogen events frames recording.aedat --frames 10 --out frames.npy
  $ synaptogen events frames 00002.bin --frames 5 --split-by time --out digit.npy
`,
    );

  cmd
    .command('info <file>')
    .description('Format, sensor size, event counts and time range; the format is detected from the content')
    .option('--json', 'print {format, width, height, events, onEvents, offEvents, tFirst, tLast} as JSON')
    .action(async (file: string, o: { json?: boolean }) => {
      const s = summarizeEvents(await load(file));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(s)}\n`);
        return;
      }
      const span =
        s.tFirst === null || s.tLast === null ? 'n/a' : `${((s.tLast - s.tFirst) / 1e6).toFixed(3)} s`;
      process.stdout.write(
        `${file}\n  format  ${s.format}\n  sensor  ${s.width}x${s.height}\n  events  ${s.events} (${s.onEvents} on, ${s.offEvents} off)\n  time    ${s.tFirst} .. ${s.tLast} µs (${span})\n`,
      );
    });

  cmd
    .command('frames <file>')
    .description(
      'Integrate events into [T, 2, H, W] float32 frames (channel 0 = OFF, 1 = ON) and write a NumPy .npy',
    )
    .requiredOption('--frames <T>', 'number of frames', positiveInt('--frames'))
    .requiredOption('--out <file>', 'output .npy file (written atomically)')
    .option('--split-by <how>', 'number (equal event counts) or time (equal windows)', 'number')
    .option(
      '--size <n>',
      'down-sample to n x n by binning coordinates (e.g. 128 -> 48)',
      positiveInt('--size'),
    )
    .action(async (file: string, o: { frames: number; out: string; splitBy: string; size?: number }) => {
      if (o.splitBy !== 'number' && o.splitBy !== 'time') {
        throw new CliError(`--split-by must be "number" or "time", got "${o.splitBy}"`, 2);
      }
      const ev = await load(file);
      if (o.size !== undefined && (o.size > ev.width || o.size > ev.height)) {
        throw new CliError(
          `--size ${o.size} is larger than the ${ev.width}x${ev.height} sensor (only down-sampling)`,
          2,
        );
      }
      const options = { frames: o.frames, splitBy: o.splitBy as SplitBy, size: o.size };
      let frames: Float32Array;
      try {
        frames = integrateFrames(ev, options);
      } catch (err) {
        if (err instanceof DatasetError) throw new CliError(`--frames: ${err.message}`, 2);
        throw err;
      }
      const shape = frameShape(ev, options);
      await writeFileAtomic(o.out, encodeNpy(frames, shape));
      process.stdout.write(
        `wrote ${o.out}: float32 [${shape.join(', ')}] from ${ev.count} ${ev.format} events\n`,
      );
    });
}
