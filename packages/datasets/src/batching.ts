import { augmentBytesSimd, SIMD_MAX_PADDING, simdAugmentAvailable } from './augmentKernel.js';
import { InvalidArgumentError } from './errors.js';
import { createRng, mixSeed, permutation, type Rng } from './rng.js';
import type { ImageDataset } from './types.js';

export interface AugmentOptions {
  /** Random crop back to the input size after zero-padding each side by this many pixels (e.g. 4). */
  cropPadding?: number;
  /** Mirror left-right with probability 1/2. */
  flip?: boolean;
}

export interface BatchOptions {
  batchSize: number;
  /** Shuffle the sample order (seeded). Default true. */
  shuffle?: boolean;
  /** Seed for the order, the augmentation and the Poisson spikes. Default 0. */
  seed?: number;
  /** Mixed into the seed so every epoch gets its own order with the same base seed. Default 0. */
  epoch?: number;
  /** Drop the last batch when it is smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** Use only the first `limit` samples of the dataset. */
  limit?: number;
  augment?: AugmentOptions;
  /**
   * Normalise `(x - mean) / std` per channel after scaling: true uses the dataset's mean/std.
   * Not allowed with Poisson encoding (spike probabilities must stay in [0, 1]).
   */
  normalize?: boolean | { mean: number[]; std: number[] };
  /** Multiplier applied to raw values before normalisation. Default 1/255 for byte images, 1 for frames. */
  scale?: number;
  /** 'direct' (default): the values themselves; 'poisson': Bernoulli spikes with p = value per time step. */
  encoding?: 'direct' | 'poisson';
  /** Time steps for Poisson encoding. */
  timesteps?: number;
  /**
   * Crop, flip and normalise byte images with the WASM SIMD kernel where the runtime has it (default
   * true); false forces the JS loops. Both give the same float32 values.
   */
  simd?: boolean;
  /**
   * Batches assembled ahead of the consumer (default 1), each in its own macrotask: this overlaps the
   * consumer's awaits, not a synchronous step; `workerBatches` (Node) assembles in a worker thread.
   */
  prefetch?: number;
  /** Called after a batch is assembled (index in the epoch); for progress reporting and tests. */
  onAssembled?: (index: number) => void;
}

export interface Batch {
  /**
   * `[B, C, H, W]` for direct encoding of images; time-major `[T, B, C, H, W]` for Poisson
   * encoding and for event datasets (frames).
   */
  inputs: Float32Array;
  labels: Int32Array;
  shape: number[];
  /** Dataset indices of the samples, in batch order. */
  indices: Uint32Array;
}

/** Number of batches one epoch yields with these options. */
export function batchCount(
  dataset: Pick<ImageDataset, 'count'>,
  options: Pick<BatchOptions, 'batchSize' | 'dropLast' | 'limit'>,
): number {
  const n = Math.min(dataset.count, options.limit ?? Number.POSITIVE_INFINITY);
  return options.dropLast ? Math.floor(n / options.batchSize) : Math.ceil(n / options.batchSize);
}

const nextTick: (f: () => void) => void =
  typeof (globalThis as any).setImmediate === 'function'
    ? (globalThis as any).setImmediate
    : (f) => setTimeout(f, 0);

/** How samples are laid out and transformed (internal). */
export interface Plan {
  T: number;
  C: number;
  H: number;
  W: number;
  mul: Float32Array; // per channel: scale / std
  add: Float32Array; // per channel: -mean / std
  lut?: Float32Array[]; // byte images: value -> output, per channel
  pad: number;
  flip: boolean;
  poissonT: number;
}

function makePlan(ds: ImageDataset, o: BatchOptions): Plan {
  const T = ds.timesteps ?? 1;
  const C = ds.channels;
  const bytes = ds.images instanceof Uint8Array;
  const scale = o.scale ?? (bytes ? 1 / 255 : 1);
  let mean = new Array(C).fill(0);
  let std = new Array(C).fill(1);
  if (o.normalize) {
    const stats = o.normalize === true ? { mean: ds.mean, std: ds.std } : o.normalize;
    if (!stats.mean || !stats.std || stats.mean.length !== C || stats.std.length !== C) {
      throw new InvalidArgumentError(`normalize needs ${C} means and stds`, {
        expected: `mean/std of length ${C}`,
      });
    }
    mean = stats.mean;
    std = stats.std;
  }
  const mul = new Float32Array(C);
  const add = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    mul[c] = scale / std[c];
    add[c] = -mean[c] / std[c];
  }
  // float32 multiply then float32 add, exactly what the SIMD kernel computes
  const lut = bytes
    ? Array.from({ length: C }, (_, c) =>
        Float32Array.from({ length: 256 }, (_, v) => Math.fround(Math.fround(v * mul[c]) + add[c])),
      )
    : undefined;
  const pad = o.augment?.cropPadding ?? 0;
  if (!Number.isInteger(pad) || pad < 0)
    throw new InvalidArgumentError(`cropPadding ${pad}`, { expected: 'an integer >= 0' });
  const poisson = o.encoding === 'poisson';
  if (poisson && (!Number.isInteger(o.timesteps) || (o.timesteps ?? 0) < 1)) {
    throw new InvalidArgumentError(`Poisson encoding needs timesteps (got ${o.timesteps})`, {
      expected: 'an integer >= 1',
    });
  }
  if (poisson && o.normalize)
    throw new InvalidArgumentError('normalize cannot be combined with Poisson encoding');
  if (poisson && ds.timesteps)
    throw new InvalidArgumentError('event datasets are already spikes: use direct encoding');
  return {
    T,
    C,
    H: ds.height,
    W: ds.width,
    mul,
    add,
    lut,
    pad,
    flip: !!o.augment?.flip,
    poissonT: poisson ? o.timesteps! : 0,
  };
}

/**
 * Copies one row with a horizontal shift `dx` (source column = x + dx, or W - 1 - x + dx when
 * flipped) through a value map; columns that fall outside the source get `padValue`. The valid
 * range is computed once so the inner loops have no branches.
 */
function copyRow(
  src: Uint8Array | Float32Array,
  rowIn: number,
  out: Float32Array,
  rowOut: number,
  W: number,
  dx: number,
  flip: boolean,
  lut: Float32Array | undefined,
  mul: number,
  add: number,
  padValue: number,
): void {
  // Output columns [lo, hi) read inside the source row.
  // Clamped so that a shift of a whole row or more (padding >= width) gives a row of padding.
  const lo = Math.min(W, flip ? Math.max(0, dx) : Math.max(0, -dx));
  const hi = Math.max(lo, flip ? Math.min(W, W + dx) : Math.min(W, W - dx));
  for (let x = 0; x < lo; x++) out[rowOut + x] = padValue;
  for (let x = hi; x < W; x++) out[rowOut + x] = padValue;
  if (lut) {
    if (flip) {
      const s = rowIn + W - 1 + dx;
      for (let x = lo; x < hi; x++) out[rowOut + x] = lut[src[s - x]];
    } else {
      const s = rowIn + dx;
      for (let x = lo; x < hi; x++) out[rowOut + x] = lut[src[s + x]];
    }
  } else if (flip) {
    const s = rowIn + W - 1 + dx;
    for (let x = lo; x < hi; x++) out[rowOut + x] = src[s - x] * mul + add;
  } else {
    const s = rowIn + dx;
    for (let x = lo; x < hi; x++) out[rowOut + x] = src[s + x] * mul + add;
  }
}

/**
 * Writes sample `idx` (all its T frames) into `out`: frame t of the sample lands at `out[(t*B + b) * CHW]`
 * (time-major) so a batch of frames is `[T, B, C, H, W]`; with T = 1 that is `[B, C, H, W]`.
 */
function writeSample(
  ds: ImageDataset,
  p: Plan,
  idx: number,
  b: number,
  B: number,
  out: Float32Array,
  draws: Int32Array,
): void {
  const { T, C, H, W } = p;
  const hw = H * W;
  const chw = C * hw;
  const dy = draws[3 * b];
  const dx = draws[3 * b + 1];
  const flip = draws[3 * b + 2] === 1;
  const src = ds.images;
  for (let t = 0; t < T; t++) {
    const srcBase = (idx * T + t) * chw;
    const dstBase = (t * B + b) * chw;
    for (let c = 0; c < C; c++) {
      const lut = p.lut?.[c];
      const mul = p.mul[c];
      const add = p.add[c];
      const padValue = lut ? lut[0] : add; // zero padding, as torchvision pads raw pixels
      for (let y = 0; y < H; y++) {
        const sy = y + dy;
        const rowOut = dstBase + c * hw + y * W;
        if (sy < 0 || sy >= H) out.fill(padValue, rowOut, rowOut + W);
        else copyRow(src, srcBase + c * hw + sy * W, out, rowOut, W, dx, flip, lut, mul, add, padValue);
      }
    }
  }
}

/** Draws sample b's crop offsets and flip (in this order, one sample after another) into `draws`. */
function drawAugment(p: Plan, rng: Rng, draws: Int32Array, b: number): void {
  const pad = p.pad;
  draws[3 * b] = pad ? rng.int(2 * pad + 1) - pad : 0;
  draws[3 * b + 1] = pad ? rng.int(2 * pad + 1) - pad : 0;
  draws[3 * b + 2] = p.flip && rng.next() < 0.5 ? 1 : 0;
}

/** Turns `[B, ...]` intensities in [0, 1] into `[T, B, ...]` Bernoulli spikes (rate coding). */
export function poissonEncode(values: Float32Array, timesteps: number, rng: Rng): Float32Array {
  const n = values.length;
  const out = new Float32Array(n * timesteps);
  for (let t = 0; t < timesteps; t++) {
    const base = t * n;
    for (let i = 0; i < n; i++) out[base + i] = rng.next() < values[i] ? 1 : 0;
  }
  return out;
}

/** Throws the InvalidArgumentError that `batches` would for these options; returns the plan. */
export function validateBatchOptions(dataset: ImageDataset, options: BatchOptions): Plan {
  const B = options.batchSize;
  if (!Number.isInteger(B) || B < 1)
    throw new InvalidArgumentError(`batchSize ${B}`, { expected: 'an integer >= 1' });
  return makePlan(dataset, options);
}

/**
 * Iterates one epoch of `{inputs, labels, shape}` batches with seeded shuffling, augmentation and
 * optional Poisson encoding. The next batch is assembled in a macrotask right after the current one
 * is handed out, so it overlaps the consumer's asynchronous work (a training step's awaits); for a
 * synchronous step use `workerBatches` from the Node entry, which builds batches in a worker thread.
 */
export async function* batches(dataset: ImageDataset, options: BatchOptions): AsyncGenerator<Batch> {
  const B = options.batchSize;
  const plan = validateBatchOptions(dataset, options);
  const n = Math.min(dataset.count, options.limit ?? Number.POSITIVE_INFINITY);
  const seed = options.seed ?? 0;
  const epoch = options.epoch ?? 0;
  const order =
    options.shuffle === false
      ? Uint32Array.from({ length: n }, (_, i) => i)
      : permutation(n, createRng(mixSeed(seed, epoch, 1)));
  const augRng = createRng(mixSeed(seed, epoch, 2));
  const spikeRng = createRng(mixSeed(seed, epoch, 3));
  const total = batchCount(dataset, { batchSize: B, dropLast: options.dropLast, limit: n });
  const chw = plan.C * plan.H * plan.W;
  // Byte images (one frame each) go through the WASM SIMD kernel when the runtime has it.
  const useSimd =
    options.simd !== false &&
    dataset.images instanceof Uint8Array &&
    plan.T === 1 &&
    plan.pad <= SIMD_MAX_PADDING &&
    plan.pad < plan.W && // the kernel assumes a shift never passes a whole row
    simdAugmentAvailable();

  const assemble = (k: number): Batch => {
    const start = k * B;
    const size = Math.min(B, n - start);
    const indices = order.slice(start, start + size);
    const labels = new Int32Array(size);
    const draws = new Int32Array(3 * size);
    for (let b = 0; b < size; b++) {
      labels[b] = dataset.labels[indices[b]];
      drawAugment(plan, augRng, draws, b);
    }
    let values = useSimd
      ? augmentBytesSimd(dataset.images as Uint8Array, indices, plan, draws, plan.mul, plan.add)
      : undefined;
    if (!values) {
      values = new Float32Array(plan.T * size * chw);
      for (let b = 0; b < size; b++) writeSample(dataset, plan, indices[b], b, size, values, draws);
    }
    const frame = [plan.C, plan.H, plan.W];
    let batch: Batch;
    if (plan.poissonT) {
      batch = {
        inputs: poissonEncode(values, plan.poissonT, spikeRng),
        labels,
        indices,
        shape: [plan.poissonT, size, ...frame],
      };
    } else if (dataset.timesteps) {
      batch = { inputs: values, labels, indices, shape: [plan.T, size, ...frame] };
    } else {
      batch = { inputs: values, labels, indices, shape: [size, ...frame] };
    }
    options.onAssembled?.(k);
    return batch;
  };

  const ahead = Math.max(0, options.prefetch ?? 1);
  const queue: Promise<Batch>[] = [];
  let next = 0;
  // Assembly runs in order, one macrotask each, so augmentation draws stay deterministic.
  let chain: Promise<unknown> = Promise.resolve();
  const schedule = (k: number) => {
    const p = chain.then(
      () =>
        new Promise<Batch>((resolve, reject) =>
          nextTick(() => {
            try {
              resolve(assemble(k));
            } catch (err) {
              reject(err);
            }
          }),
        ),
    );
    chain = p.catch(() => undefined);
    queue.push(p);
  };
  while (next < total || queue.length > 0) {
    if (queue.length === 0) schedule(next++);
    const current = queue.shift()!;
    while (next < total && queue.length < ahead) schedule(next++);
    yield await current;
  }
}
