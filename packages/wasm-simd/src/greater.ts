import { backend_util, type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { HeapKernelsProvider } from './heap-instance.js';
import { heapBackend } from './heap-kernels.js';
import type { KernelInstance } from './runtime.js';

/**
 * Greater of two float32 or two int32 tensors of one shape, or of a tensor and a scalar, 16 lanes
 * at a time: tfjs-backend-wasm's broadcasting compare took ~1.5 ms per 627K elements (a JS loop
 * over the heap ~1 ms), and Grad R's event counting runs eight per step on gradr-mnist-mlp. Other
 * dtypes and broadcasts go to the stock kernel.
 */
export function greaterKernelConfig(
  stock: KernelConfig,
  k: KernelInstance,
  heapFor: HeapKernelsProvider,
): KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const h = heapBackend(args.backend);
      const na = util.sizeFromShape(a.shape);
      const nb = util.sizeFromShape(b.shape);
      const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const n = util.sizeFromShape(shape);
      const same = na === n && nb === n;
      const numeric = (a.dtype === 'float32' || a.dtype === 'int32') && b.dtype === a.dtype;
      if (!h || !numeric || !(same || (nb === 1 && na === n) || (na === 1 && nb === n)))
        return stock.kernelFunc(args);
      const mode = same ? 0 : nb === 1 ? 1 : 2;
      const int = a.dtype === 'int32';
      const inHeap = heapFor(args.backend);
      if (inHeap) {
        const [ap, bp] = [inHeap.ptr(a), inHeap.ptr(b)];
        const out = inHeap.output(shape, 'bool');
        inHeap.exports.greaterRange(ap, bp, out.ptr, n, mode, int ? 1 : 0);
        return out.info;
      }
      const out = h.makeOutput(shape, 'bool');
      // views after makeOutput: allocating can grow (and detach) the heap
      const av = h.typedArrayFromHeap(a);
      const bv = h.typedArrayFromHeap(b);
      k.reset();
      const ap = k.alloc(na);
      const bp = k.alloc(nb);
      const op = k.alloc(Math.ceil(n / 4));
      // bit copies (an Int32Array view keeps int32 data exact)
      (int ? new Int32Array(k.memory.buffer, ap, na) : k.f32(ap, na)).set(av as Float32Array & Int32Array);
      (int ? new Int32Array(k.memory.buffer, bp, nb) : k.f32(bp, nb)).set(bv as Float32Array & Int32Array);
      k.exports.greaterRange(ap, bp, op, n, mode, int ? 1 : 0);
      h.typedArrayFromHeap(out).set(new Uint8Array(k.memory.buffer, op, n));
      return out;
    },
  };
}
