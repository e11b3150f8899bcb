// Turns an event-camera recording into T frames of ON/OFF event counts, saved as a NumPy .npy file
// ([T, 2, H, W] float32), and prints a summary. Uses @synaptogen/datasets only: no TensorFlow.js.
//   node frames.mjs <recording.aedat|.aedat4|.bs2> [out.npy] [--frames 10] [--split number|time] [--size 64]
import { readFile, rename, writeFile } from 'node:fs/promises';
import { encodeNpy, frameShape, integrateFrames, parseEvents, summarizeEvents } from '@synaptogen/datasets';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args.splice(i, 2)[1];
};
const frames = Number(flag('frames', '10'));
const splitBy = flag('split', 'number');
const size = flag('size', undefined);
const [input, output = 'frames.npy'] = args;
if (!input) {
  console.error(
    'usage: node frames.mjs <recording> [out.npy] [--frames 10] [--split number|time] [--size 64]',
  );
  process.exit(2);
}

const events = parseEvents(new Uint8Array(await readFile(input)), input);
const options = { frames, splitBy, size: size === undefined ? undefined : Number(size) };
const data = integrateFrames(events, options);
const shape = frameShape(events, options);
const tmp = `${output}.tmp-${process.pid}`;
await writeFile(tmp, encodeNpy(data, shape));
await rename(tmp, output); // atomic: a reader never sees half a file

const perFrame = Array.from({ length: frames }, (_, f) => {
  const n = data.length / frames;
  let s = 0;
  for (let i = f * n; i < (f + 1) * n; i++) s += data[i];
  return s;
});
console.log(JSON.stringify({ input, output, shape, summary: summarizeEvents(events), perFrame }));
