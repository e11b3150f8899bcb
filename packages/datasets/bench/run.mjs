// Package-level bench: events -> frames (events/s) on the real DVS128 files and CIFAR-10 batches/s
// with augmentation, each next to NumPy doing the same work. Prints one JSON line per measurement.
// The monorepo's `pnpm bench` runs the same through apps/bench (benchmark "datasets-throughput").
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  benchCifarBatches,
  benchEventsToFrames,
  cifarBatchFile,
  dvs128Files,
  ensureNumpy,
  numpyCifarBatches,
  numpyEventsToFrames,
  sideBySide,
} from '../dist/bench.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dataRoot = process.env.SYNAPTOGEN_DATA ?? path.resolve(here, '../../../../shared/data');
const files = dvs128Files(dataRoot);
const file = cifarBatchFile(dataRoot);
const numpy = ensureNumpy({ install: true, log: (l) => console.error(l) });
if (!numpy.available) console.error(`NumPy rows skipped: ${numpy.message}`);
const results = [];
const print = (r) => {
  results.push(r);
  console.log(JSON.stringify(r));
};

// Warm-up so the JIT has compiled the hot loops; then rounds alternating our run and NumPy's
// (both see the same background load), best of each.
benchEventsToFrames({ files, repeats: 2 });
const events = await sideBySide(
  3,
  () => benchEventsToFrames({ files, frames: 10, repeats: 3 }),
  numpy.available ? () => numpyEventsToFrames({ files, frames: 10, repeats: 3 }) : undefined,
);
const cifar = await sideBySide(
  3,
  (r) => benchCifarBatches({ file, batchSize: 128, epochs: 3, warmup: r === 0 ? 2 : 0 }),
  numpy.available ? () => numpyCifarBatches({ file, batchSize: 128, epochs: 3 }) : undefined,
);
for (const r of [events.ours, events.numpy, cifar.ours, cifar.numpy]) if (r) print(r);

const find = (b, impl) => results.find((r) => r.benchmark === b && r.impl === impl);
for (const [b, key] of [
  ['events-to-frames', 'events_per_s'],
  ['events-to-frames', 'events_per_cpu_s'],
  ['cifar10-batches', 'batches_per_s'],
  ['cifar10-batches', 'batches_per_cpu_s'],
]) {
  const ours = find(b, 'synaptogen');
  const theirs = find(b, 'numpy');
  if (theirs)
    console.error(
      `${b}: synaptogen ${ours[key]} vs numpy ${theirs[key]} ${key} (x${(ours[key] / theirs[key]).toFixed(2)})`,
    );
}
