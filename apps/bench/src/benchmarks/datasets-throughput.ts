import { existsSync } from 'node:fs';
import {
  type BenchResult,
  benchCifarBatches,
  benchEventsToFrames,
  cifarBatchFile,
  dvs128Files,
  ensureNumpy,
  numpyCifarBatches,
  numpyEventsToFrames,
  sideBySide,
} from '@synaptogen/datasets/bench';
import type { Benchmark, BenchRecord } from '../record.js';

type Rate = 'events_per_s' | 'events_per_cpu_s' | 'batches_per_s' | 'batches_per_cpu_s';

/**
 * Our figure, NumPy's figure (same work, same files, alternating rounds) and their ratio, per wall
 * second and per CPU second (the steadier one while other processes share the cores).
 */
function records(
  metric: string,
  unit: string,
  keys: [Rate, Rate],
  ours: BenchResult,
  numpy: BenchResult | undefined,
): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (const [key, suffix, u] of [
    [keys[0], '', unit],
    [keys[1], '-per-cpu-s', `${unit} of CPU`],
  ] as const) {
    const row = (impl: string, value: number, config: Record<string, unknown>, rowUnit = u) =>
      out.push({
        benchmark: 'datasets-throughput',
        metric: `${metric}${suffix}/${impl}`,
        value,
        unit: rowUnit,
        config,
      });
    row('synaptogen', ours[key]!, ours);
    if (numpy) {
      row('numpy', numpy[key]!, numpy);
      row('synaptogen-vs-numpy', ours[key]! / numpy[key]!, { synaptogen: ours[key], numpy: numpy[key] }, 'x');
    }
  }
  return out;
}

export const datasetsThroughput: Benchmark = {
  name: 'datasets-throughput',
  description:
    'AEDAT 2.0 parsing + [T, 2, 128, 128] frame integration (events/s) on the real DVS128 files, and CIFAR-10 batches/s with crop + flip + normalisation, each next to NumPy doing the same work',
  async run(ctx) {
    const files = dvs128Files(ctx.dataRoot);
    const cifar = cifarBatchFile(ctx.dataRoot);
    if (files.length === 0 || !existsSync(cifar)) {
      throw new Error(`datasets-throughput: needs ${ctx.dataRoot}/dvs128/*.aedat and ${cifar}`);
    }
    const numpy = ensureNumpy({ install: true, log: ctx.log });
    ctx.log(numpy.available ? `peer: ${numpy.message} (${numpy.python})` : `peer: skipped, ${numpy.message}`);
    // Rounds alternate our run and NumPy's so both see the same background load; best of each counts.
    const rounds = ctx.quick ? 1 : 5;
    const repeats = ctx.quick ? 2 : 3;
    const epochs = ctx.quick ? 2 : 3;
    benchEventsToFrames({ files, repeats: 2 }); // warm-up: V8 optimises the parse and integrate loops
    const { ours: events, numpy: eventsNp } = await sideBySide(
      rounds,
      () => benchEventsToFrames({ files, frames: 10, repeats }),
      numpy.available ? () => numpyEventsToFrames({ files, frames: 10, repeats }) : undefined,
    );
    const { ours: batches, numpy: batchesNp } = await sideBySide(
      rounds,
      (r) => benchCifarBatches({ file: cifar, batchSize: 128, epochs, warmup: r === 0 ? 2 : 0 }),
      numpy.available ? () => numpyCifarBatches({ file: cifar, batchSize: 128, epochs }) : undefined,
    );

    for (const [label, ours, theirs, key] of [
      ['events-to-frames', events, eventsNp, 'events_per_s'],
      ['events-to-frames', events, eventsNp, 'events_per_cpu_s'],
      ['cifar10-batches', batches, batchesNp, 'batches_per_s'],
      ['cifar10-batches', batches, batchesNp, 'batches_per_cpu_s'],
    ] as const) {
      const vs = theirs ? ` vs numpy ${theirs[key]} (x${(ours[key]! / theirs[key]!).toFixed(2)})` : '';
      ctx.log(`${label}: synaptogen ${ours[key]}${vs} ${key}`);
    }
    return [
      ...records('events-to-frames', 'events/s', ['events_per_s', 'events_per_cpu_s'], events, eventsNp),
      ...records(
        'cifar10-batches-augmented',
        'batches/s',
        ['batches_per_s', 'batches_per_cpu_s'],
        batches,
        batchesNp,
      ),
    ];
  },
};
