import { listCifar10Dvs, listNmnist, type SampleRef, splitCifar10Dvs } from '@synaptogen/datasets/files';
import { type EventStream, integrateFrames, parseEvents, type Split } from '@synaptogen/datasets/node';
import type { Batch } from '@synaptogen/nn';
import { CliError } from '../errors.js';

/** How recordings become frames: fixed windows of `frameMs` over the whole recording, or `timeBins` equal spans. */
export interface Framing {
  frameMs?: number;
  timeBins?: number;
  /** Output size (down-sampling by binning coordinates), default the sensor's. */
  frameSize?: number;
}

/** Commander parser of a positive number flag. */
export function positiveNumber(flag: string) {
  return (v: string) => {
    const n = Number(v);
    if (!(n > 0 && Number.isFinite(n)))
      throw new CliError(`${flag} expects a positive number, got "${v}"`, 2);
    return n;
  };
}

export const EVENT_DATASETS = ['nmnist', 'cifar10-dvs'] as const;

/** The recordings of an event dataset split, in the dataset's order (N-MNIST: by id). */
export function listEventSamples(dataset: string, dataDir: string | undefined, split: Split): SampleRef[] {
  if (dataset === 'nmnist') return listNmnist(dataDir, split);
  if (dataset === 'cifar10-dvs') return splitCifar10Dvs(listCifar10Dvs(dataDir), split);
  throw new CliError(
    `--frame-ms and --time-bins apply to event datasets (${EVENT_DATASETS.join(', ')}), not ${dataset}`,
    2,
  );
}

/**
 * `[T, 2, H, W]` event counts. With `frameMs`, frame i holds the events with t0 + i·W ≤ t < t0 + (i+1)·W
 * and the last incomplete window is dropped — tonic's `ToFrame(time_window=W)`, how the NIR paper's
 * N-MNIST CNN was evaluated; with `timeBins`, N equal time spans (the last one to the end).
 */
export function framesOf(
  ev: EventStream,
  framing: Framing,
): { frames: Float32Array; T: number; size: [number, number] } {
  const size: [number, number] = framing.frameSize
    ? [framing.frameSize, framing.frameSize]
    : [ev.height, ev.width];
  if (framing.timeBins !== undefined) {
    const frames = integrateFrames(ev, { frames: framing.timeBins, splitBy: 'time', size });
    return { frames, T: framing.timeBins, size };
  }
  const window = (framing.frameMs as number) * 1000;
  const [h, w] = size;
  const span = ev.count ? ev.t[ev.count - 1] - ev.t[0] : 0;
  const T = Math.max(1, Math.floor((span - window) / window) + 1);
  const frames = new Float32Array(T * 2 * h * w);
  const t0 = ev.count ? ev.t[0] : 0;
  for (let k = 0; k < ev.count; k++) {
    const f = Math.floor((ev.t[k] - t0) / window);
    if (f >= T) break; // timestamps are in order
    const y = Math.floor((ev.y[k] * h) / ev.height);
    const x = Math.floor((ev.x[k] * w) / ev.width);
    frames[((f * 2 + ev.p[k]) * h + y) * w + x]++;
  }
  return { frames, T, size };
}

export interface EventBatchOptions {
  batchSize: number;
  /** Pad (or cut) every batch to this many frames; default: the longest recording of the batch (tonic's PadTensors). */
  frames?: number;
}

/** Time-major batches `[T, N, 2, H, W]`; shorter recordings end in empty frames. */
export async function* eventBatches(
  samples: readonly SampleRef[],
  framing: Framing,
  options: EventBatchOptions,
): AsyncGenerator<Batch> {
  for (let start = 0; start < samples.length; start += options.batchSize) {
    const part = samples.slice(start, start + options.batchSize);
    const items = [];
    for (const s of part) items.push(framesOf(parseEvents(await s.read(), s.name), framing));
    const [h, w] = items[0].size;
    const per = 2 * h * w;
    const T = options.frames ?? Math.max(...items.map((i) => i.T));
    const n = items.length;
    const inputs = new Float32Array(T * n * per);
    items.forEach((item, j) => {
      for (let t = 0; t < Math.min(T, item.T); t++)
        inputs.set(item.frames.subarray(t * per, (t + 1) * per), (t * n + j) * per);
    });
    yield { inputs, shape: [T, n, 2, h, w], labels: part.map((s) => s.label) };
  }
}

/** The number of frames of the longest recording (for one fixed length over a whole evaluation). */
export async function longestRecording(samples: readonly SampleRef[], framing: Framing): Promise<number> {
  let T = 1;
  for (const s of samples) T = Math.max(T, framesOf(parseEvents(await s.read(), s.name), framing).T);
  return T;
}
