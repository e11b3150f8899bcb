import { type ConvGeometry, type ConvOptions, winogradUsed } from './conv.js';
import { allocPartials, partialBlocks, sumPartials } from './partial-blocks.js';
import type { KernelInstance } from './runtime.js';

/**
 * Above this fraction of ones the dense kernels take over: an event costs a gathered filter row
 * instead of a packed GEMM multiply-add. bench/spike-conv.mjs (3×3 64→128 at 32×32, batch 16, loaded
 * 2-core VM): filter gradient 26 / 90 / 188 / 226 ms at 5 / 10 / 20 / 30% ones vs 101–231 ms dense.
 */
export const SPIKE_DENSITY_MAX = 0.25;

/**
 * The same limit for the forward conv, whose event loop is cheaper than the filter gradient's: on
 * conv-small's shapes (256×16×16×32→64 and 256×8×8×64→128, 2 threads, loaded VM) the spike forward
 * took 76 / 96 / 114 / 133 ms at 30 / 40 / 50 / 60% ones vs 111–201 ms for the dense GEMM.
 * Max-pooled spikes, conv-small's conv inputs, run at 39–44% ones.
 */
export const SPIKE_FORWARD_DENSITY_MAX = 0.5;

/**
 * The forward limit where the dense conv runs Winograd F(2×2, 3×3) (conv.ts' winogradApplies), ~2×
 * faster than the GEMM. sca-vgg-small's shapes at T·B = 128 (2 threads, 2026-11-22): spike forward
 * 140 / 203 ms at 20 / 30% ones vs Winograd 179 ms (3×3 64→128 at 32×32), 150 / 204 vs 178 ms
 * (128→256 at 16×16), 66 / 104 vs 103 ms (256→256 at 8×8). Its max-pooled inputs run at 38–44% ones.
 */
export const SPIKE_FORWARD_WINOGRAD_DENSITY_MAX = 0.27;

/**
 * The limit for the channel-major filter gradient (see conv2dBackpropFilterSpikes): on conv-small's
 * shapes (2 threads, loaded VM) 31–56 / 69–79 / 104–134 / 139–148 ms at 10 / 25 / 40 / 50% ones
 * vs 113–202 ms for the dense GEMM; about even at 60%.
 */
export const SPIKE_FILTER_CHANNEL_DENSITY_MAX = 0.5;

/**
 * The filter-gradient limit where the dense kernel runs Winograd F(3×3, 2×2), ~2× faster than the
 * GEMM. sca-vgg-small's shapes at T·B = 128 (2 threads, 2026-11-22): spike kernel 176 / 263 ms at
 * 20 / 30% ones vs Winograd 180–199 ms (3×3 64→128 at 32×32), 143 / 209 vs 193–207 ms (128→256 at
 * 16×16), 66 / 97 vs 84–113 ms (256→256 at 8×8).
 */
export const SPIKE_FILTER_WINOGRAD_DENSITY_MAX = 0.25;

/**
 * The forward spike kernel's density limit when the dense fallback is conv2dForward with `options`:
 * lower where that runs Winograd.
 */
export function spikeForwardDensityMax(g: ConvGeometry, options: ConvOptions = {}): number {
  return winogradUsed(g, options) ? SPIKE_FORWARD_WINOGRAD_DENSITY_MAX : SPIKE_FORWARD_DENSITY_MAX;
}

/**
 * The filter-gradient spike kernel's density limit when the dense fallback is conv2dBackpropFilter
 * with `options`: the Winograd limit where that runs Winograd, else undefined (the kernel's own).
 */
export function spikeFilterDensityMax(g: ConvGeometry, options: ConvOptions = {}): number | undefined {
  return winogradUsed(g, options) ? SPIKE_FILTER_WINOGRAD_DENSITY_MAX : undefined;
}

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
  const ev = k.alloc(rows * g.inC + 4); // buildEvents stores whole groups of 4: 3 slots of slack
  const count = k.exports.buildEvents(xPtr, rows, g.inC, g.outC * 4, offs, ev);
  if (count < 0 || count > maxDensity * rows * g.inC) return null;
  return { offs, ev, count };
}

/** A thread's own dW partial sum (`wLen` floats) in the arena, zeroed. */
function zeroedPartial(k: KernelInstance, wLen: number): number {
  const dw = k.alloc(wLen);
  k.exports.zero(dw, Math.ceil(wLen / 4) * 16);
  return dw;
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
  maxDensity = SPIKE_FORWARD_DENSITY_MAX,
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
  // pixels claimed in chunks by whichever thread is free (about 32 chunks per thread)
  const counter = k.counter(0);
  const chunk = Math.max(64, Math.ceil(pixels / (32 * threads)));
  const args = [e.offs, e.ev, wPtr, yPtr, counter, pixels, chunk, ...geometryArgs(g)];
  k.parallel(Array.from({ length: threads }, () => ({ fn: 'spikeConvForwardRange' as const, args })));
  out.set(k.f32(yPtr, pixels * g.outC));
  return out;
}

/** Stride 1 and outC a multiple of 32: the channel-major filter-gradient kernel applies. */
function channelMajor(g: ConvGeometry): boolean {
  return g.strideH === 1 && g.strideW === 1 && g.outC % 32 === 0 && g.inH < 65536 && g.inW < 65536;
}

/**
 * The channel-major filter gradient (assembly/spike-filter.ts): blocks of images claimed by the
 * threads (each thread with its own event-list scratch), summed deterministically (partial-blocks.ts).
 */
function filterChannelMajor(
  k: KernelInstance,
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  out: Float32Array,
  maxDensity: number,
): Float32Array | null {
  k.reset();
  const xPtr = k.put(x);
  const ones = k.exports.binaryCount(xPtr, x.length);
  if (ones < 0 || ones > maxDensity * x.length) return null;
  // dy with a zero border wide enough for every tap of every input pixel (the kernel then needs no
  // bounds tests): top/bottom/left/right margins beyond the conv's own padding
  const mt = Math.max(0, g.kH - 1 - g.padTop);
  const mb = Math.max(0, g.inH - 1 + g.padTop - (g.outH - 1));
  const ml = Math.max(0, g.kW - 1 - g.padLeft);
  const mr = Math.max(0, g.inW - 1 + g.padLeft - (g.outW - 1));
  const hp = g.outH + mt + mb;
  const wp = g.outW + ml + mr;
  const dypLen = g.batch * hp * wp * g.outC;
  const dyPtr = k.alloc(dypLen);
  k.exports.zero(dyPtr, Math.ceil(dypLen / 4) * 16);
  const dyp = k.f32(dyPtr, dypLen);
  const rowLen = g.outW * g.outC;
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outH; oh++) {
      const src = (n * g.outH + oh) * rowLen;
      dyp.set(dy.subarray(src, src + rowLen), ((n * hp + oh + mt) * wp + ml) * g.outC);
    }
  }
  const wLen = g.kH * g.kW * g.inC * g.outC;
  const work = ones * g.kH * g.kW * g.outC;
  const threads = Math.max(1, Math.min(k.threads, g.batch, Math.floor(work / MIN_EVENT_WORK_PER_THREAD)));
  // blocks of images claimed whole by whichever thread is free, each block into its own dW partial
  const { blocks, perBlock } = partialBlocks(g.batch, threads, wLen);
  const counter = k.counter(0);
  const dw = allocPartials(k, blocks, wLen);
  const jobs = [];
  for (let t = 0; t < threads; t++) {
    const lists = k.alloc(g.inC * (g.inH * g.inW + 1));
    jobs.push({
      fn: 'spikeFilterChannelsRange' as const,
      args: [
        xPtr,
        dyPtr,
        dw,
        lists,
        counter,
        g.batch,
        perBlock,
        g.inH,
        g.inW,
        hp,
        wp,
        g.outC,
        g.kH,
        g.kW,
        g.padTop + mt,
        g.padLeft + ml,
        g.inC,
      ],
    });
  }
  k.parallel(jobs);
  sumPartials(k, dw, blocks, wLen);
  out.set(k.f32(dw, wLen));
  return out;
}

/**
 * Conv2DBackpropFilter for binary spike inputs: dW[tap, c, :] += dy[q, :] for every spike c that
 * tap reads at output pixel q (channel-major for stride 1 and outC % 32 = 0, up to
 * SPIKE_FILTER_CHANNEL_DENSITY_MAX ones; else pixel-major up to SPIKE_DENSITY_MAX). Same null
 * contract as `conv2dSpikes`; `maxDensity` overrides the limit.
 */
export function conv2dBackpropFilterSpikes(
  k: KernelInstance,
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  out: Float32Array,
  maxDensity?: number,
): Float32Array | null {
  if (!usable(g)) return null;
  if (channelMajor(g))
    return filterChannelMajor(k, x, dy, g, out, maxDensity ?? SPIKE_FILTER_CHANNEL_DENSITY_MAX);
  k.reset();
  const xPtr = k.put(x);
  const e = events(k, xPtr, g, maxDensity ?? SPIKE_DENSITY_MAX);
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
    const dw = zeroedPartial(k, wLen);
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
