import { InvalidArgumentError } from './errors.js';
import type { EventStream } from './events.js';

export type SplitBy = 'number' | 'time';

export interface FrameOptions {
  /** Number of frames T. */
  frames: number;
  /** 'number': equal event counts per frame; 'time': equal time windows. Default 'number'. */
  splitBy?: SplitBy;
  /**
   * Output size (square number or [height, width]); smaller than the sensor down-samples by binning
   * coordinates (`x * W_out / W_in`, floor), so every event still counts once.
   */
  size?: number | [number, number];
}

/** Output `[T, 2, H, W]` frame geometry for these options. */
export function frameShape(
  ev: Pick<EventStream, 'width' | 'height'>,
  options: FrameOptions,
): [number, number, number, number] {
  const [h, w] =
    options.size === undefined
      ? [ev.height, ev.width]
      : typeof options.size === 'number'
        ? [options.size, options.size]
        : options.size;
  return [options.frames, 2, h, w];
}

/** First event index of each frame, plus the end (length T + 1), for the chosen split. */
export function frameBoundaries(
  ev: Pick<EventStream, 'count' | 't'>,
  frames: number,
  splitBy: SplitBy = 'number',
): Uint32Array {
  const n = ev.count;
  const bounds = new Uint32Array(frames + 1);
  bounds[frames] = n;
  if (splitBy === 'number') {
    // di = floor(N / T); frame i takes [i*di, (i+1)*di), the last one takes the remainder.
    const di = Math.floor(n / frames);
    for (let i = 0; i < frames; i++) bounds[i] = i * di;
    return bounds;
  }
  if (n === 0) return bounds;
  // dt = floor((t_last - t_first) / T); frame i takes t_first + i*dt <= t < t_first + (i+1)*dt,
  // the last frame runs to the end. With dt = 0 frames 0..T-2 are empty and the last holds all.
  const t0 = ev.t[0];
  const dt = Math.floor((ev.t[n - 1] - t0) / frames);
  if (dt === 0) return bounds;
  let k = 0;
  for (let i = 1; i < frames; i++) {
    const start = t0 + i * dt;
    while (k < n && ev.t[k] < start) k++;
    bounds[i] = k;
  }
  return bounds;
}

/** The most float32 values one frame tensor may hold (4 GiB; Node's typed arrays stop there). */
export const MAX_FRAME_VALUES = 2 ** 30;

/**
 * Integrates events into `[T, 2, H, W]` counts: channel 0 = polarity 0 (OFF), channel 1 = polarity 1
 * (ON), each event adds 1. Events must be in time order for the 'time' split (they are in every
 * supported format).
 */
export function integrateFrames(ev: EventStream, options: FrameOptions): Float32Array {
  const T = options.frames;
  if (!Number.isInteger(T) || T < 1)
    throw new InvalidArgumentError(`frames ${T}`, { expected: 'an integer >= 1' });
  const splitBy = options.splitBy ?? 'number';
  if (splitBy !== 'number' && splitBy !== 'time') {
    throw new InvalidArgumentError(`splitBy '${splitBy}'`, { expected: "'number' or 'time'" });
  }
  const [, , H, W] = frameShape(ev, options);
  if (!(Number.isInteger(H) && Number.isInteger(W) && H >= 1 && W >= 1 && H <= ev.height && W <= ev.width)) {
    throw new InvalidArgumentError(`frame size ${H}x${W}`, {
      expected: `1..${ev.height} x 1..${ev.width} (down-sampling only)`,
    });
  }
  // one Float32Array holds them all: refuse before the allocation fails with "Invalid typed array length"
  if (T * 2 * H * W > MAX_FRAME_VALUES) {
    throw new InvalidArgumentError(`frames ${T} make ${T * 2 * H * W} values`, {
      expected: `at most ${MAX_FRAME_VALUES} values (4 GiB): at most ${Math.floor(MAX_FRAME_VALUES / (2 * H * W))} frames of 2x${H}x${W}`,
    });
  }
  const hw = H * W;
  const out = new Float32Array(T * 2 * hw);
  const bounds = frameBoundaries(ev, T, splitBy);
  const { x, y, p } = ev;
  const same = H === ev.height && W === ev.width;
  // Coordinate lookup tables make down-sampling as cheap as the identity case.
  const xs = new Uint32Array(ev.width);
  const ys = new Uint32Array(ev.height);
  for (let i = 0; i < ev.width; i++) xs[i] = same ? i : Math.floor((i * W) / ev.width);
  for (let i = 0; i < ev.height; i++) ys[i] = (same ? i : Math.floor((i * H) / ev.height)) * W;
  for (let f = 0; f < T; f++) {
    const base = f * 2 * hw;
    const end = bounds[f + 1];
    // The native size skips the lookup tables (two loads fewer per event in the hottest loop).
    if (same) for (let k = bounds[f]; k < end; k++) out[base + p[k] * hw + y[k] * W + x[k]]++;
    else for (let k = bounds[f]; k < end; k++) out[base + p[k] * hw + ys[y[k]] + xs[x[k]]]++;
  }
  return out;
}
