// pnpm bench: events -> frames (events/s) on the real DVS128 files and CIFAR-10 batches/s with
// augmentation, each next to NumPy doing the same work. Prints one JSON line per measurement.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  benchCifarBatches,
  benchEventsToFrames,
  dvs128Files,
  ensureNumpy,
  numpyCifarBatches,
  numpyEventsToFrames,
} from '../dist/bench.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dataRoot = process.env.SYNAPTOGEN_DATA ?? path.resolve(here, '../../../../shared/data');
const peer = path.resolve(dataRoot, '../peer/events_numpy.py');
const files = dvs128Files(dataRoot);
const cifarFile = path.join(dataRoot, 'cifar10/cifar-10-batches-bin/data_batch_1.bin');
const numpy = ensureNumpy(true);
const results = [];
const print = (r) => {
  results.push(r);
  console.log(JSON.stringify(r));
};

// Warm-up so the JIT has compiled the hot loops, then the measured runs.
benchEventsToFrames({ files, repeats: 1 });
print(benchEventsToFrames({ files, frames: 10, repeats: 5 }));
if (numpy) print(numpyEventsToFrames({ script: peer, files, frames: 10, repeats: 5 }));
print(await benchCifarBatches({ dataDir: dataRoot, batchSize: 128, epochs: 3 }));
if (numpy) print(numpyCifarBatches({ file: cifarFile, batchSize: 128, epochs: 3 }));
if (!numpy) console.error('numpy: not available (apt-get install -y python3-numpy); NumPy rows skipped');

const ours = (b) => results.find((r) => r.benchmark === b && r.impl === 'synaptogen');
const theirs = (b) => results.find((r) => r.benchmark === b && r.impl === 'numpy');
for (const [b, key] of [
  ['events-to-frames', 'events_per_s'],
  ['cifar10-batches', 'batches_per_s'],
]) {
  if (theirs(b))
    console.error(
      `${b}: synaptogen ${ours(b)[key]} vs numpy ${theirs(b)[key]} ${key} (x${(ours(b)[key] / theirs(b)[key]).toFixed(2)})`,
    );
}
