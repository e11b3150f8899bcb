import type { Conv2DBackpropFilterAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { type ConvOptions, conv2dBackpropFilter } from '../conv.js';
import type { KernelInstance } from '../runtime.js';
import { conv2dBackpropFilterSpikes, spikeFilterDensityMax } from '../spike-conv.js';
import { checkFloat, gradientGeometry, heap } from './wasm-backend.js';

/** Conv2DBackpropFilter: the event-driven kernel on spike inputs sparse enough, else GEMM or Winograd. */
export function convFilterKernel(k: KernelInstance, options: ConvOptions): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const what = 'wasm-simd Conv2DBackpropFilter';
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { filterShape, ...conv } = attrs as unknown as Conv2DBackpropFilterAttrs;
    checkFloat(x, 'x', what);
    checkFloat(dy, 'dy', what);
    const g = gradientGeometry(x.shape as [number, number, number, number], filterShape, conv, what);
    const b = heap(backend);
    const out = b.makeOutput(filterShape, 'float32');
    // Views are taken after makeOutput: allocating may grow (and detach) the backend's heap.
    const xs = b.typedArrayFromHeap(x);
    const dys = b.typedArrayFromHeap(dy);
    const dw = b.typedArrayFromHeap(out);
    if (!conv2dBackpropFilterSpikes(k, xs, dys, g, dw, spikeFilterDensityMax(g, options)))
      conv2dBackpropFilter(k, xs, dys, g, dw, options);
    return out;
  };
}
