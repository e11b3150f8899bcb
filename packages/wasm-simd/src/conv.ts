import { allocPartials, partialBlocks, sumPartials } from './partial-blocks.js';
import type { KernelInstance } from './runtime.js';

/** NHWC conv geometry with explicit padding (what tfjs' computeConv2DInfo resolves). */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  /** Padding rows above / columns left of the input (bottom/right follow from the shapes). */
  padTop: number;
  padLeft: number;
}

// Scratch per tile ≈ 512 KiB keeps the packed panels in this CPU's (and most CPUs') L2.
const TILE_FLOATS = 131072;

function checkGeometry(g: ConvGeometry, what: string): void {
  for (const [key, v] of Object.entries(g)) {
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`${what}: geometry.${key} must be a non-negative integer, got ${v}`);
  }
  for (const key of [
    'batch',
    'inH',
    'inW',
    'inC',
    'outH',
    'outW',
    'outC',
    'kH',
    'kW',
    'strideH',
    'strideW',
  ] as const) {
    if (g[key] < 1) throw new Error(`${what}: geometry.${key} must be ≥ 1, got ${g[key]}`);
  }
}

function checkLength(arr: Float32Array, expected: number, name: string, what: string): void {
  if (arr.length !== expected) {
    throw new Error(
      `${what}: ${name} has ${arr.length} elements, expected ${expected} for the given geometry`,
    );
  }
}

/** The caller's `out` (checked to hold `length` floats) or a new array. */
function output(out: Float32Array | undefined, length: number, what: string): Float32Array {
  const result = out ?? new Float32Array(length);
  checkLength(result, length, 'out', what);
  return result;
}

function tileRows(perRow: number): number {
  return Math.max(8, Math.min(1024, Math.floor(TILE_FLOATS / perRow) & ~3));
}

// Below this many multiply-adds per thread, waking workers costs more than it saves.
const MIN_WORK_PER_THREAD = 2e6;

function threadsFor(k: KernelInstance, work: number, maxParts: number): number {
  return Math.max(1, Math.min(k.threads, maxParts, Math.floor(work / MIN_WORK_PER_THREAD)));
}

function geometryArgs(g: ConvGeometry): number[] {
  return [g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.kH, g.kW, g.strideH, g.strideW, g.padTop, g.padLeft];
}

/**
 * Filter gradient of an NHWC conv: dW[kh, kw, ci, co] = Σ x[n, oh·s−pad+kh, ow·s−pad+kw, ci] · dy[n, oh, ow, co].
 * Writes into `out` (length kH·kW·inC·outC) when given. Pixels are split across the instance's threads;
 * Winograd F(3×3, 2×2) where `winogradApplies` (unless `options.winograd` is false).
 */
export function conv2dBackpropFilter(
  k: KernelInstance,
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  out?: Float32Array,
  options: ConvOptions = {},
): Float32Array {
  const what = 'conv2dBackpropFilter';
  checkGeometry(g, what);
  checkLength(x, g.batch * g.inH * g.inW * g.inC, 'x', what);
  const pixels = g.batch * g.outH * g.outW;
  checkLength(dy, pixels * g.outC, 'dy', what);
  const kTotal = g.kH * g.kW * g.inC;
  const result = output(out, kTotal * g.outC, what);
  if (winogradUsed(g, options)) return winogradFilterGrad(k, x, dy, g, result);
  const kp = (kTotal + 3) & ~3;
  const cop = (g.outC + 7) & ~7;
  const pt = tileRows(kp + cop);
  const threads = threadsFor(k, pixels * kTotal * g.outC, Math.ceil(pixels / pt));
  const e = k.exports;
  k.reset();
  const xPtr = k.put(x);
  const dyPtr = k.put(dy);
  const jobs = [];
  const partials: number[] = [];
  const per = Math.ceil(pixels / threads);
  for (let t = 0; t < threads; t++) {
    const aPtr = k.alloc(kp * pt);
    const bPtr = k.alloc(cop * pt);
    const cPtr = k.alloc(kp * cop);
    e.zero(cPtr, kp * cop * 4);
    partials.push(cPtr);
    const p0 = t * per;
    const p1 = Math.min(pixels, p0 + per);
    jobs.push({
      fn: 'convFilterRange' as const,
      args: [xPtr, dyPtr, aPtr, bPtr, cPtr, p0, p1, pt, ...geometryArgs(g)],
    });
  }
  k.parallel(jobs);
  const cPtr = partials[0];
  for (let t = 1; t < threads; t++) e.addInto(cPtr, partials[t], kp * cop);
  if (cop === g.outC) {
    result.set(k.f32(cPtr, kTotal * g.outC));
  } else {
    const dst = k.alloc(kTotal * g.outC);
    e.unpad(cPtr, dst, kTotal, g.outC, cop);
    result.set(k.f32(dst, kTotal * g.outC));
  }
  return result;
}

/**
 * Input gradient of an NHWC conv (the transposed conv of dy with the filter).
 * Writes into `out` (length batch·inH·inW·inC) when given. Stride-1 3×3 convs with channel counts
 * that are multiples of 4 use Winograd F(2×2, 3×3) (see `winogradApplies`) unless
 * `options.winograd` is false; the rest run im2col GEMM tiles split by image across threads.
 */
export function conv2dBackpropInput(
  k: KernelInstance,
  dy: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  out?: Float32Array,
  options: ConvOptions = {},
): Float32Array {
  const what = 'conv2dBackpropInput';
  checkGeometry(g, what);
  const pixels = g.batch * g.outH * g.outW;
  checkLength(dy, pixels * g.outC, 'dy', what);
  const kTotal = g.kH * g.kW * g.inC;
  checkLength(w, kTotal * g.outC, 'filter', what);
  const dxLen = g.batch * g.inH * g.inW * g.inC;
  const result = output(out, dxLen, what);
  if (winogradUsed(g, options)) return winogradConv(k, dy, w, true, inputGradientConv(g), result);
  const kp = (kTotal + 7) & ~7;
  const pt = tileRows(kp + g.outC);
  const ptp = (pt + 3) & ~3;
  const threads = threadsFor(k, pixels * kTotal * g.outC, g.batch);
  const e = k.exports;
  k.reset();
  const dyPtr = k.put(dy);
  const wPtr = k.put(w);
  const bPtr = k.alloc(kp * g.outC);
  const dxPtr = k.alloc(dxLen);
  e.zero(dxPtr, Math.ceil(dxLen / 4) * 16);
  e.packFilterT(wPtr, bPtr, kTotal, g.outC);
  const jobs = [];
  // images claimed in chunks by whichever thread is free (about 8 chunks per thread)
  const counter = k.counter(0);
  const chunk = Math.max(1, Math.floor(g.batch / (8 * threads)));
  for (let t = 0; t < threads; t++) {
    const aPtr = k.alloc(ptp * g.outC);
    const colPtr = k.alloc(ptp * kp);
    jobs.push({
      fn: 'convInputRange' as const,
      args: [dyPtr, bPtr, aPtr, colPtr, dxPtr, counter, g.batch, chunk, pt, ...geometryArgs(g)],
    });
  }
  k.parallel(jobs);
  result.set(k.f32(dxPtr, dxLen));
  return result;
}

export interface ConvOptions {
  /**
   * Winograd F(2×2, 3×3) where it applies (default true): 2.25× fewer multiply-adds; results differ
   * from the direct sum by rounding only (transforms with coefficients ±1 and ½). Used by the input
   * gradient, the filter gradient (F(3×3, 2×2)) and the dense forward conv.
   */
  winograd?: boolean;
}

/**
 * Whether Winograd fits this geometry (conv2dForward, conv2dBackpropInput, conv2dBackpropFilter): a
 * 3×3 filter at stride 1 and channel counts (inC, outC) that are multiples of 4 (the transforms run
 * 4 channels per SIMD op).
 */
export function winogradApplies(g: ConvGeometry): boolean {
  return (
    g.kH === 3 && g.kW === 3 && g.strideH === 1 && g.strideW === 1 && g.inC % 4 === 0 && g.outC % 4 === 0
  );
}

/** Whether the conv functions run Winograd for this geometry with these options. */
export function winogradUsed(g: ConvGeometry, options: ConvOptions = {}): boolean {
  return options.winograd !== false && winogradApplies(g);
}

/** The conv Winograd computes: y [batch, oh, ow, cout] from x [batch, h, w, cin], 3×3, stride 1. */
interface WinogradShape {
  batch: number;
  h: number;
  w: number;
  cin: number;
  oh: number;
  ow: number;
  cout: number;
  padTop: number;
  padLeft: number;
}

/** The forward conv as Winograd computes it. */
function forwardConv(g: ConvGeometry): WinogradShape {
  const { batch, inH: h, inW: w, inC: cin, outH: oh, outW: ow, outC: cout, padTop, padLeft } = g;
  return { batch, h, w, cin, oh, ow, cout, padTop, padLeft };
}

/** The input gradient as a conv: dy through the flipped, transposed filter, padded by 2 − pad. */
function inputGradientConv(g: ConvGeometry): WinogradShape {
  return {
    batch: g.batch,
    h: g.outH,
    w: g.outW,
    cin: g.outC,
    oh: g.inH,
    ow: g.inW,
    cout: g.inC,
    padTop: g.kH - 1 - g.padTop,
    padLeft: g.kW - 1 - g.padLeft,
  };
}

// Per-thread V and M blocks (16 products × tiles × channels) of ~512 KiB stay in this CPU's L2.
const WINOGRAD_BLOCK_FLOATS = 131072;

function winogradConv(
  k: KernelInstance,
  x: Float32Array,
  w: Float32Array,
  flip: boolean,
  s: WinogradShape,
  result: Float32Array,
): Float32Array {
  const cout8 = (s.cout + 7) & ~7;
  const tiles = s.batch * Math.ceil(s.oh / 2) * Math.ceil(s.ow / 2);
  const nt = Math.max(4, Math.min(128, Math.floor(WINOGRAD_BLOCK_FLOATS / (16 * (s.cin + cout8))) & ~3));
  const threads = threadsFor(k, tiles * 16 * s.cin * s.cout, Math.ceil(tiles / nt));
  const e = k.exports;
  k.reset();
  const xPtr = k.put(x);
  const wPtr = k.put(w);
  const uPtr = k.alloc(16 * s.cin * cout8);
  e.winogradFilter(wPtr, uPtr, s.cin, s.cout, flip ? 1 : 0);
  const yLen = s.batch * s.oh * s.ow * s.cout;
  const yPtr = k.alloc(yLen);
  const counter = k.counter(0);
  const jobs = [];
  for (let t = 0; t < threads; t++) {
    const vPtr = k.alloc(16 * nt * s.cin);
    const mPtr = k.alloc(16 * nt * cout8);
    const patchPtr = k.alloc(16 * s.cin);
    jobs.push({
      fn: 'winogradRange' as const,
      args: [
        xPtr,
        uPtr,
        vPtr,
        mPtr,
        patchPtr,
        yPtr,
        counter,
        tiles,
        nt,
        s.h,
        s.w,
        s.cin,
        s.oh,
        s.ow,
        s.cout,
        s.padTop,
        s.padLeft,
      ],
    });
  }
  k.parallel(jobs);
  result.set(k.f32(yPtr, yLen));
  return result;
}

/** Filter gradient by Winograd F(3×3, 2×2) (assembly/winograd.ts): block sums added in order (partial-blocks.ts), then one transform. */
function winogradFilterGrad(
  k: KernelInstance,
  x: Float32Array,
  dy: Float32Array,
  g: ConvGeometry,
  result: Float32Array,
): Float32Array {
  const cin = g.inC;
  const cout = g.outC;
  const cout8 = (cout + 7) & ~7;
  const tiles = g.batch * Math.ceil(g.outH / 2) * Math.ceil(g.outW / 2);
  // any tile count (gemmAtB takes any), and up to 256: each tile block re-reads the 16 sums
  const nt = Math.max(4, Math.min(256, Math.floor(WINOGRAD_BLOCK_FLOATS / (16 * (cin + cout8)))));
  const threads = threadsFor(k, tiles * 16 * cin * cout, Math.ceil(tiles / nt));
  const e = k.exports;
  k.reset();
  const xPtr = k.put(x);
  const dyPtr = k.put(dy);
  const zerosPtr = k.alloc(cout);
  e.zero(zerosPtr, Math.ceil(cout / 4) * 16);
  const sumFloats = 16 * cin * cout8;
  const { blocks, perBlock } = partialBlocks(tiles, threads, sumFloats, nt);
  const counter = k.counter(0);
  const sums = allocPartials(k, blocks, sumFloats);
  const jobs = [];
  for (let t = 0; t < threads; t++) {
    const aPtr = k.alloc(16 * nt * cin);
    const bPtr = k.alloc(16 * nt * cout8);
    const patchPtr = k.alloc(16 * cin);
    jobs.push({
      fn: 'winogradFilterGradRange' as const,
      args: [
        xPtr,
        dyPtr,
        aPtr,
        bPtr,
        sums,
        patchPtr,
        zerosPtr,
        counter,
        tiles,
        nt,
        perBlock,
        g.inH,
        g.inW,
      ].concat([cin, g.outH, g.outW, cout, g.padTop, g.padLeft]),
    });
  }
  k.parallel(jobs);
  sumPartials(k, sums, blocks, sumFloats);
  const dwPtr = k.alloc(9 * cin * cout);
  e.winogradFilterGradOut(sums, dwPtr, cin, cout);
  result.set(k.f32(dwPtr, 9 * cin * cout));
  return result;
}

/**
 * Forward NHWC conv: y[n, oh, ow, co] = Σ x[n, oh·s−pad+kh, ow·s−pad+kw, ci] · w[kh, kw, ci, co] as
 * im2col tiles times the packed filter (the 4×8 GEMM micro-kernel), or with Winograd F(2×2, 3×3)
 * where `winogradApplies` (unless `options.winograd` is false). Writes into `out` (length
 * batch·outH·outW·outC) when given. Pixels are split across threads.
 */
export function conv2dForward(
  k: KernelInstance,
  x: Float32Array,
  w: Float32Array,
  g: ConvGeometry,
  out?: Float32Array,
  options: ConvOptions = {},
): Float32Array {
  const what = 'conv2dForward';
  checkGeometry(g, what);
  checkLength(x, g.batch * g.inH * g.inW * g.inC, 'x', what);
  const kTotal = g.kH * g.kW * g.inC;
  checkLength(w, kTotal * g.outC, 'filter', what);
  const pixels = g.batch * g.outH * g.outW;
  const result = output(out, pixels * g.outC, what);
  if (winogradUsed(g, options)) return winogradConv(k, x, w, false, forwardConv(g), result);
  const cop = (g.outC + 7) & ~7;
  const pt = tileRows(kTotal + cop);
  const ptp = (pt + 3) & ~3;
  const threads = threadsFor(k, pixels * kTotal * g.outC, Math.ceil(pixels / pt));
  const e = k.exports;
  k.reset();
  const xPtr = k.put(x);
  const wPtr = k.put(w);
  const wbPtr = k.alloc(kTotal * cop);
  e.packFilterCols8(wPtr, wbPtr, kTotal, g.outC);
  const yPtr = k.alloc(pixels * g.outC);
  const jobs = [];
  const per = Math.ceil(pixels / threads);
  for (let t = 0; t < threads; t++) {
    const aPtr = k.alloc(ptp * kTotal);
    const cPtr = k.alloc(ptp * cop);
    const p0 = Math.min(pixels, t * per);
    jobs.push({
      fn: 'convForwardRange' as const,
      args: [xPtr, wbPtr, aPtr, cPtr, yPtr, p0, Math.min(pixels, p0 + per), pt, ...geometryArgs(g)],
    });
  }
  k.parallel(jobs);
  result.set(k.f32(yPtr, pixels * g.outC));
  return result;
}
