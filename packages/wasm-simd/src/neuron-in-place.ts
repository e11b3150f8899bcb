import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { HeapKernels } from './heap-instance.js';
import { backwardParams, forwardParams, type ResolvedNeuron } from './neurons.js';
import type { KernelInstance } from './runtime.js';
import { type Job, splitRange } from './worker-pool.js';

/**
 * From this many elements (T·N) a layer's columns are split: this thread runs the first range in
 * tfjs' memory in place while each worker runs another range on copies in the kernel module's
 * memory. Neurons are independent columns, so the split needs no merging. Smaller layers run wholly
 * in place (gradr-mnist-mlp's 8 × 102,400 hidden layer ran 1.7× faster wholly in place than copied
 * to two threads, forward and backward); sca-vgg-small's layers (2.1–16.8 M elements at batch 32) spent ~15% of a step in the
 * single-thread kernels.
 */
export const SPLIT_MIN_ELEMENTS = 1 << 21;

/** Column ranges: [0] runs here in place, the others on the workers (each a multiple of 4 wide). */
function columnRanges(k: KernelInstance, T: number, n: number): [number, number][] {
  return k.threads > 1 && T * n >= SPLIT_MIN_ELEMENTS ? splitRange(n, k.threads) : [[0, n]];
}

/** Copies columns [c0, c0 + w) of `rows` rows of stride `n` between a heap view and a packed [rows, w] one. */
function copyColumns(
  from: Float32Array,
  to: Float32Array,
  rows: number,
  n: number,
  c0: number,
  w: number,
  packed: 'to' | 'from',
): void {
  for (let r = 0; r < rows; r++) {
    if (packed === 'to') to.set(from.subarray(r * n + c0, r * n + c0 + w), r * w);
    else to.set(from.subarray(r * w, (r + 1) * w), r * n + c0);
  }
}

/**
 * The fused forward of `x` ([T, n], or one row [n] with `constant`) into new tfjs tensors: spikes
 * and H ([T, n], `shape`). n must be a multiple of 4.
 */
export function neuronForwardInPlace(
  heap: HeapKernels,
  k: KernelInstance,
  x: TensorInfo,
  shape: number[],
  T: number,
  n: number,
  p: ResolvedNeuron,
  constant: boolean,
): [TensorInfo, TensorInfo] {
  const params = forwardParams(p, constant);
  const xPtr = heap.ptr(x);
  const spikes = heap.output(shape);
  const h = heap.output(shape);
  const [[, here], ...rest] = columnRanges(k, T, n);
  const rows = constant ? 1 : T;
  k.reset();
  const parts = rest.map(([c0, c1]) => {
    const w = c1 - c0;
    return { c0, w, x: k.alloc(rows * w), s: k.alloc(T * w), h: k.alloc(T * w), v: k.alloc(w) };
  });
  // views after every allocation (tfjs' heap may grow under makeOutput and malloc)
  const xs = heap.f32(xPtr, rows * n);
  for (const part of parts) {
    copyColumns(xs, k.f32(part.x, rows * part.w), rows, n, part.c0, part.w, 'to');
    k.f32(part.v, part.w).fill(p.vReset);
  }
  const jobs: Job[] = parts.map((part) => ({
    fn: 'neuronForward',
    args: [part.x, part.s, part.h, part.v, T, part.w, part.w, ...params],
  }));
  heap.withScratch(here, p.vReset, (v) =>
    k.alongside(() => heap.exports.neuronForward(xPtr, spikes.ptr, h.ptr, v, T, here, n, ...params), jobs),
  );
  if (parts.length) {
    const [sv, hv] = [heap.f32(spikes.ptr, T * n), heap.f32(h.ptr, T * n)];
    for (const part of parts) {
      copyColumns(k.f32(part.s, T * part.w), sv, T, n, part.c0, part.w, 'from');
      copyColumns(k.f32(part.h, T * part.w), hv, T, n, part.c0, part.w, 'from');
    }
  }
  return [spikes.info, h.info];
}

/**
 * BPTT through `neuronForwardInPlace` from dL/dS `dy` and the saved H ([T, n]): a new tensor dL/dX
 * of `gradShape` ([T, n], or [n] summed over the steps with `constant`).
 */
export function neuronBackwardInPlace(
  heap: HeapKernels,
  k: KernelInstance,
  dy: TensorInfo,
  h: TensorInfo,
  gradShape: number[],
  T: number,
  n: number,
  p: ResolvedNeuron,
  constant: boolean,
): TensorInfo {
  const params = backwardParams(p, constant);
  const [gsPtr, hPtr] = [heap.ptr(dy), heap.ptr(h)];
  const gradX = heap.output(gradShape);
  const [[, here], ...rest] = columnRanges(k, T, n);
  const outRows = constant ? 1 : T;
  k.reset();
  const parts = rest.map(([c0, c1]) => {
    const w = c1 - c0;
    return { c0, w, gs: k.alloc(T * w), h: k.alloc(T * w), gx: k.alloc(outRows * w), gv: k.alloc(w) };
  });
  const [gsv, hv] = [heap.f32(gsPtr, T * n), heap.f32(hPtr, T * n)];
  for (const part of parts) {
    copyColumns(gsv, k.f32(part.gs, T * part.w), T, n, part.c0, part.w, 'to');
    copyColumns(hv, k.f32(part.h, T * part.w), T, n, part.c0, part.w, 'to');
    k.f32(part.gv, part.w).fill(0);
  }
  const jobs: Job[] = parts.map((part) => ({
    fn: 'neuronBackward',
    args: [part.gs, part.h, part.gx, part.gv, T, part.w, part.w, ...params],
  }));
  heap.withScratch(here, 0, (gv) =>
    k.alongside(() => heap.exports.neuronBackward(gsPtr, hPtr, gradX.ptr, gv, T, here, n, ...params), jobs),
  );
  if (parts.length) {
    const gx = heap.f32(gradX.ptr, outRows * n);
    for (const part of parts)
      copyColumns(k.f32(part.gx, outRows * part.w), gx, outRows, n, part.c0, part.w, 'from');
  }
  return gradX.info;
}
