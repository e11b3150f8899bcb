import { backend_util, type Conv2DBackpropFilterAttrs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { ConvGeometry } from '../conv.js';

/** The parts of tfjs-backend-wasm's BackendWasm that the kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

/** The backend as a BackendWasm, or a clear error where a kernel runs on another backend. */
export function heap(backend: unknown): WasmBackendLike {
  const b = backend as unknown as Partial<WasmBackendLike>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function') {
    throw new Error('wasm-simd: these kernels run only on the tfjs wasm backend (BackendWasm)');
  }
  return b as WasmBackendLike;
}

export function checkFloat(t: TensorInfo, name: string, what: string): void {
  if (t.dtype !== 'float32') throw new Error(`${what}: ${name} must be float32, got ${t.dtype}`);
}

/** Our geometry of tfjs' resolved conv info (NHWC, dilation 1; else throws naming `what`). */
export function geometryFromInfo(info: backend_util.Conv2DInfo, what: string): ConvGeometry {
  if (info.dataFormat !== 'channelsLast') throw new Error(`${what}: only NHWC (channelsLast) is supported`);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1)
    throw new Error(`${what}: only dilation 1 is supported`);
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** The attributes both conv gradients resolve their geometry from (the rest of Conv2DBackprop*Attrs). */
export type ConvGradientAttrs = Omit<Conv2DBackpropFilterAttrs, 'filterShape'>;

/** The geometry of a conv gradient from its attributes and the forward input and filter shapes. */
export function gradientGeometry(
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvGradientAttrs,
  what: string,
): ConvGeometry {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  return geometryFromInfo(info, what);
}
