import { backend_util, type Conv2DAttrs, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { type ConvOptions, conv2dForward } from '../conv.js';
import type { KernelInstance } from '../runtime.js';
import { conv2dSpikes, spikeForwardDensityMax } from '../spike-conv.js';
import { geometryFromInfo, heap, type WasmBackendLike } from './wasm-backend.js';

/**
 * Conv2D on our kernels: the spike path when the input is binary spikes (and sparse enough), else
 * the im2col GEMM. NCHW or dilated convs go to the stock kernel, whose setup this config carries over.
 */
export function convKernel(k: KernelInstance, stock: KernelConfig, options: ConvOptions): KernelConfig {
  return {
    ...stock,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
      const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as Conv2DAttrs;
      const b = backend as unknown as Partial<WasmBackendLike>;
      const nhwc = dataFormat === 'NHWC' || dataFormat === undefined;
      const dilated = Array.isArray(dilations) ? dilations.some((d) => d !== 1) : (dilations ?? 1) !== 1;
      if (x.dtype === 'float32' && filter.dtype === 'float32' && nhwc && !dilated && b.makeOutput) {
        const info = backend_util.computeConv2DInfo(
          x.shape as [number, number, number, number],
          filter.shape as [number, number, number, number],
          strides,
          1,
          pad,
          dimRoundingMode,
        );
        const g = geometryFromInfo(info, 'wasm-simd Conv2D');
        const w = heap(backend);
        const out = w.makeOutput(info.outShape, 'float32');
        const xs = w.typedArrayFromHeap(x);
        const fs = w.typedArrayFromHeap(filter);
        const ys = w.typedArrayFromHeap(out);
        // binary spikes: visit only the ones; anything else: our GEMM or Winograd (stock wasm Conv2D
        // measured 0.4–0.8 GFLOP/s on a 3×3 64→128 layer here, our GEMM kernels 10–20)
        if (!conv2dSpikes(k, xs, fs, g, ys, spikeForwardDensityMax(g, options)))
          conv2dForward(k, xs, fs, g, ys, options);
        return out;
      }
      return stock.kernelFunc(args);
    },
  };
}
