import {
  backend_util,
  type KernelConfig,
  type SliceAttrs,
  slice_util,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export function heapBackend(backend: unknown): HeapBackend | null {
  const b = backend as Partial<HeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function'
    ? (b as HeapBackend)
    : null;
}

/**
 * Slice reading the input in place. tfjs-backend-wasm's Slice starts with `readSync`, which copies
 * the whole input out of the heap: slicing the last of T steps from [T, N] copies all T (a 2M-element
 * slice of [4, 2M] took 63 ms, an add of the same size 4 ms). Strings go to the stock kernel.
 */
export function sliceKernelConfig(stock: KernelConfig): KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: TensorInfo };
      const heap = heapBackend(args.backend);
      if (x.dtype === 'string' || !heap) return stock.kernelFunc(args);
      const { begin, size } = args.attrs as unknown as SliceAttrs;
      const [b, s] = slice_util.parseSliceParams(x as never, begin, size);
      const out = heap.makeOutput(s, x.dtype);
      const n = util.sizeFromShape(s);
      if (n === 0) return out;
      // views after makeOutput: allocating can grow (and detach) the heap
      const xs = heap.typedArrayFromHeap(x);
      const ys = heap.typedArrayFromHeap(out);
      const strides = util.computeStrides(x.shape);
      if (slice_util.isSliceContinous(x.shape, b, s)) {
        const o = slice_util.computeFlatOffset(b, strides);
        ys.set(xs.subarray(o, o + n));
        return out;
      }
      // copy runs along the last axis, walking the outer index like an odometer
      const rank = s.length;
      const run = s[rank - 1];
      const idx = new Array<number>(Math.max(rank - 1, 0)).fill(0);
      for (let o = 0; o < n; o += run) {
        let src = b[rank - 1];
        for (let d = 0; d < rank - 1; d++) src += (b[d] + idx[d]) * strides[d];
        if (run >= 16) ys.set(xs.subarray(src, src + run), o);
        else for (let j = 0; j < run; j++) ys[o + j] = xs[src + j];
        for (let d = rank - 2; d >= 0; d--) {
          if (++idx[d] < s[d]) break;
          idx[d] = 0;
        }
      }
      return out;
    },
  };
}

/**
 * GreaterEqual of float32 tensors of one shape, or of a tensor and a scalar, as a plain loop:
 * tfjs-backend-wasm's broadcasting binary kernel took 30 ms for `x ≥ scalar` on 2M elements (the
 * threshold test on a neuron layer's last membrane potential). Anything else: the stock kernel.
 */
export function greaterEqualKernelConfig(stock: KernelConfig): KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const heap = heapBackend(args.backend);
      const na = util.sizeFromShape(a.shape);
      const nb = util.sizeFromShape(b.shape);
      const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const n = util.sizeFromShape(shape);
      const same = na === n && nb === n;
      if (
        !heap ||
        a.dtype !== 'float32' ||
        b.dtype !== 'float32' ||
        !(same || (nb === 1 && na === n) || na === 1)
      )
        return stock.kernelFunc(args);
      const out = heap.makeOutput(shape, 'bool');
      const av = heap.typedArrayFromHeap(a);
      const bv = heap.typedArrayFromHeap(b);
      const o = heap.typedArrayFromHeap(out);
      // +(a ≥ b), not a ternary: V8 compiles it without a branch (4 vs 21 ms on 2M random values)
      if (same) for (let i = 0; i < n; i++) o[i] = +(av[i] >= bv[i]);
      else if (nb === 1) {
        const t = bv[0];
        for (let i = 0; i < n; i++) o[i] = +(av[i] >= t);
      } else {
        const t = av[0];
        for (let i = 0; i < n; i++) o[i] = +(t >= bv[i]);
      }
      return out;
    },
  };
}
