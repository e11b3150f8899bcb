import {
  type BatchMatMulAttrs,
  backend_util,
  type KernelConfig,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import {
  keptAIsSparse,
  matMulKeepingA,
  matMulSparseB,
  SPARSE_WEIGHT_DENSITY_MAX,
  sampledDensity,
  sparseWeightWins,
} from '../matmul.js';
import type { KernelInstance } from '../runtime.js';
import { heap, type WasmBackendLike } from './wasm-backend.js';

const outer = (s: number[]) => s.slice(0, -2);
const product = (s: number[]) => s.reduce((x, y) => x * y, 1);

/**
 * BatchMatMul on our kernels (float32, rank ≥ 2, leading dims equal or one side's all 1): the sparse
 * path when op(A) has enough zeros, else the GEMM. Anything else goes to the stock kernel.
 */
export function matMulKernel(k: KernelInstance, stock: KernelConfig, sparseWeights: boolean): KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
      const tA = Boolean(transposeA);
      const tB = Boolean(transposeB);
      const w = backend as unknown as Partial<WasmBackendLike>;
      if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2)
        return stock.kernelFunc(args);
      if (!w.makeOutput) return stock.kernelFunc(args);
      const [a1, a2] = a.shape.slice(-2);
      const [b1, b2] = b.shape.slice(-2);
      const m = tA ? a2 : a1;
      const kDim = tA ? a1 : a2;
      const n = tB ? b1 : b2;
      const dims = { m, kDim, n, transposeA: tA, transposeB: tB };
      const ba = product(outer(a.shape));
      const bb = product(outer(b.shape));
      // the broadcast batch must be one side's leading dims (the other's product 1)
      const lead = ba >= bb ? outer(a.shape) : outer(b.shape);
      const other = ba >= bb ? outer(b.shape) : outer(a.shape);
      const broadcastOk = Math.min(ba, bb) === 1 || (ba === bb && lead.join() === other.join());
      if ((tB ? b2 : b1) !== kDim || !broadcastOk || m * kDim * n === 0) return stock.kernelFunc(args);
      const h = heap(backend);
      const shape = backend_util.assertAndGetBroadcastShape(outer(a.shape), outer(b.shape));
      // A pruned weight as B: skip its zeros when the cost model says so (see sparseWeightWins).
      // Densities are sampled, ~30 µs a tensor.
      if (sparseWeights && ba === 1 && bb === 1) {
        const dB = sampledDensity(h.typedArrayFromHeap(b));
        if (
          dB <= SPARSE_WEIGHT_DENSITY_MAX &&
          sparseWeightWins(m, kDim, n, sampledDensity(h.typedArrayFromHeap(a)), dB)
        ) {
          const out = h.makeOutput([...shape, m, n], 'float32');
          // views after makeOutput: allocating may grow (and detach) the backend's heap
          const av = h.typedArrayFromHeap(a);
          const bv = h.typedArrayFromHeap(b);
          const cv = h.typedArrayFromHeap(out);
          if (!matMulSparseB(k, av, bv, m, kDim, n, tA, tB, cv, b.dataId, '0'))
            matMulKeepingA(k, av, bv, dims, cv, a.dataId, '0');
          return out;
        }
      }
      // Without transposes, stock XNNPACK is as fast as our packed 4×8 GEMM on a dense A (7.7 vs 8.4 ms
      // on [128×784]·[784×800], 1.0–1.4 vs 3.8 ms on [1024×800]·[800×10]): only a sparse A comes here.
      if (!tA && !tB && ba === 1) {
        if (!keptAIsSparse(k, h.typedArrayFromHeap(a), m, kDim, a.dataId, '0')) return stock.kernelFunc(args);
      }
      const out = h.makeOutput([...shape, m, n], 'float32');
      const av = h.typedArrayFromHeap(a);
      const bv = h.typedArrayFromHeap(b);
      const cv = h.typedArrayFromHeap(out);
      for (let i = 0; i < Math.max(ba, bb); i++) {
        const ai = ba === 1 ? 0 : i;
        const bi = bb === 1 ? 0 : i;
        matMulKeepingA(
          k,
          av.subarray(ai * m * kDim, (ai + 1) * m * kDim),
          bv.subarray(bi * kDim * n, (bi + 1) * kDim * n),
          dims,
          cv.subarray(i * m * n, (i + 1) * m * n),
          a.dataId,
          String(ai),
        );
      }
      return out;
    },
  };
}
