import type { ConvGeometry } from './conv.js';
import type { KernelInstance } from './runtime.js';

/**
 * Above this fraction of ones the dense kernels take over: an event costs a gathered filter row
 * instead of a packed GEMM multiply-add. bench/spike-conv.mjs (3×3 64→128 at 32×32, batch 16, loaded
 * 2-core VM): filter gradient 26 / 90 / 188 / 226 ms at 5 / 10 / 20 / 30% ones vs 101–231 ms dense.
 */
export const SPIKE_DENSITY_MAX = 0.25;

// Below this many events per thread, waking a worker costs more than it saves.
const MIN_EVENT_WORK_PER_THREAD = 1e6;

function geometryArgs(g: ConvGeometry): number[] {
  return [g.inH, g.inW, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft, g.inC];
}

/**
 * Event lists of the binary input already in the arena at `xPtr` ([pixels, inC]); null when a
 * value is neither 0 nor 1 or the spikes are too dense to pay off.
 */
function events(
  k: KernelInstance,
  xPtr: number,
  g: ConvGeometry,
  maxDensity: number,
): { offs: number; ev: number; count: number } | null {
  const rows = g.batch * g.inH * g.inW;
  const offs = k.alloc(rows + 1);
  const ev = k.alloc(rows * g.inC);
  const count = k.exports.buildEvents(xPtr, rows, g.inC, g.outC * 4, offs, ev);
  if (count < 0 || count > maxDensity * rows * g.inC) return null;
  return { offs, ev, count };
}

function usable(g: ConvGeometry): boolean {
  return g.outC % 4 === 0;
}

/**
 * Conv2D forward (NHWC, filter [kH, kW, inC, outC]) for binary spike inputs: each spike adds filter
 * rows, zeros cost nothing. Returns null (nothing written) when `x` is not binary, is denser than
 * `maxDensity`, or outC is not a multiple of 4: the caller then uses a dense kernel.
 */
export function conv2dSpikes(
  k: KernelInstance,
  x: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  out: Float32Array,
  maxDensity = SPIKE_DENSITY_MAX,
): Float32Array | null {
  if (!usable(g)) return null;
  k.reset();
  const xPtr = k.put(x);
  const e = events(k, xPtr, g, maxDensity);
  if (!e) return null;
  const wPtr = k.put(w);
  const pixels = g.batch * g.outH * g.outW;
  const yPtr = k.alloc(pixels * g.outC);
  const work = (e.count / (g.batch * g.inH * g.inW)) * pixels * g.kH * g.kW * g.outC;
  const threads = Math.max(1, Math.min(k.threads, Math.floor(work / MIN_EVENT_WORK_PER_THREAD)));
  const per = Math.ceil(pixels / threads);
  const jobs = [];
  for (let t = 0; t < threads; t++) {
    const q0 = Math.min(pixels, t * per);
    jobs.push({
      fn: 'spikeConvForwardRange' as const,
      args: [e.offs, e.ev, wPtr, yPtr, q0, Math.min(pixels, q0 + per), ...geometryArgs(g)],
    });
  }
  k.parallel(jobs);
  out.set(k.f32(yPtr, pixels * g.outC));
  return out;
}

/**
 * Conv2DBackpropFilter for binary spike inputs: dW[tap, c, :] += dy[q, :] for every spike c that
 * tap reads at output pixel q. Same null contract as `conv2dSpikes`.
 */
export function conv2dBackpropFilterSpikes(
  k: KernelInstance,
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  out: Float32Array,
  maxDensity = SPIKE_DENSITY_MAX,
): Float32Array | null {
  if (!usable(g)) return null;
  k.reset();
  const xPtr = k.put(x);
  const e = events(k, xPtr, g, maxDensity);
  if (!e) return null;
  const dyPtr = k.put(dy);
  const pixels = g.batch * g.outH * g.outW;
  const wLen = g.kH * g.kW * g.inC * g.outC;
  const work = (e.count / (g.batch * g.inH * g.inW)) * pixels * g.kH * g.kW * g.outC;
  const threads = Math.max(1, Math.min(k.threads, Math.floor(work / MIN_EVENT_WORK_PER_THREAD)));
  const per = Math.ceil(pixels / threads);
  const partials: number[] = [];
  const jobs = [];
  for (let t = 0; t < threads; t++) {
    const dw = k.alloc(wLen);
    k.exports.zero(dw, Math.ceil(wLen / 4) * 16);
    partials.push(dw);
    const q0 = Math.min(pixels, t * per);
    jobs.push({
      fn: 'spikeConvFilterRange' as const,
      args: [e.offs, e.ev, dyPtr, dw, q0, Math.min(pixels, q0 + per), ...geometryArgs(g)],
    });
  }
  k.parallel(jobs);
  for (let t = 1; t < threads; t++) k.exports.addInto(partials[0], partials[t], wLen);
  out.set(k.f32(partials[0], wLen));
  return out;
}
