import type { Conv2DBackpropInputAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { type ConvOptions, conv2dBackpropInput } from '../conv.js';
import type { KernelInstance } from '../runtime.js';
import { checkFloat, gradientGeometry, heap } from './wasm-backend.js';

/** Conv2DBackpropInput: GEMM, or Winograd F(2×2, 3×3) for stride-1 3×3 convs. */
export function convInputKernel(k: KernelInstance, options: ConvOptions): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const what = 'wasm-simd Conv2DBackpropInput';
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { inputShape, ...conv } = attrs as unknown as Conv2DBackpropInputAttrs;
    checkFloat(dy, 'dy', what);
    checkFloat(filter, 'filter', what);
    const g = gradientGeometry(inputShape, filter.shape as [number, number, number, number], conv, what);
    const b = heap(backend);
    const out = b.makeOutput(inputShape, 'float32');
    conv2dBackpropInput(
      k,
      b.typedArrayFromHeap(dy),
      b.typedArrayFromHeap(filter),
      g,
      b.typedArrayFromHeap(out),
      options,
    );
    return out;
  };
}
