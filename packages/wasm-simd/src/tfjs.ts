import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  findBackend,
  getKernel,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  type TensorInfo,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { type ConvGeometry, conv2dBackpropFilter, conv2dBackpropInput } from './conv.js';
import { NEURON_BACKWARD, NEURON_FORWARD, neuronKernelConfigs } from './neuron-op.js';
import { type KernelInstance, loadKernels } from './runtime.js';

/** The parts of tfjs-backend-wasm's BackendWasm that the kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

export type WasmSimdKernelName =
  | typeof Conv2DBackpropFilter
  | typeof Conv2DBackpropInput
  | typeof NEURON_FORWARD
  | typeof NEURON_BACKWARD;

export interface UseWasmSimdOptions {
  /** Kernels to install (default: all). */
  kernels?: readonly WasmSimdKernelName[];
  /** tfjs backend name the kernels are registered for (default 'wasm'). */
  backendName?: string;
  /** Threads for the kernels (default: all cores up to 8; 1 where SharedArrayBuffer is unavailable). */
  threads?: number;
}

export interface WasmSimdRegistration {
  backendName: string;
  /** Threads the kernels run on. */
  threads: number;
  /** Kernel names now served by this package. */
  kernels: WasmSimdKernelName[];
  /** Restore the previous kernels (stock ones where they existed). Safe to call twice. */
  unregister(): void;
}

function geometryFromInfo(info: backend_util.Conv2DInfo, what: string): ConvGeometry {
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

function heap(backend: unknown): WasmBackendLike {
  const b = backend as unknown as Partial<WasmBackendLike>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function') {
    throw new Error('wasm-simd: these kernels run only on the tfjs wasm backend (BackendWasm)');
  }
  return b as WasmBackendLike;
}

function checkFloat(t: TensorInfo, name: string, what: string): void {
  if (t.dtype !== 'float32') throw new Error(`${what}: ${name} must be float32, got ${t.dtype}`);
}

function makeConvFilterKernel(k: KernelInstance): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const what = 'wasm-simd Conv2DBackpropFilter';
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
      attrs as unknown as Conv2DBackpropFilterAttrs;
    checkFloat(x, 'x', what);
    checkFloat(dy, 'dy', what);
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    const g = geometryFromInfo(info, what);
    const b = heap(backend);
    const out = b.makeOutput(filterShape, 'float32');
    // Views are taken after makeOutput: allocating may grow (and detach) the backend's heap.
    conv2dBackpropFilter(k, b.typedArrayFromHeap(x), b.typedArrayFromHeap(dy), g, b.typedArrayFromHeap(out));
    return out;
  };
}

function makeConvInputKernel(k: KernelInstance): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const what = 'wasm-simd Conv2DBackpropInput';
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } =
      attrs as unknown as Conv2DBackpropInputAttrs;
    checkFloat(dy, 'dy', what);
    checkFloat(filter, 'filter', what);
    const info = backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(dataFormat),
    );
    const g = geometryFromInfo(info, what);
    const b = heap(backend);
    const out = b.makeOutput(inputShape, 'float32');
    conv2dBackpropInput(
      k,
      b.typedArrayFromHeap(dy),
      b.typedArrayFromHeap(filter),
      g,
      b.typedArrayFromHeap(out),
    );
    return out;
  };
}

const CONV_KERNELS = [Conv2DBackpropFilter, Conv2DBackpropInput] as const;
const ALL_KERNELS: readonly WasmSimdKernelName[] = [...CONV_KERNELS, NEURON_FORWARD, NEURON_BACKWARD];
const active = new Map<string, WasmSimdRegistration>();

/**
 * Install this package's kernels for tfjs' wasm backend: the conv gradients and the fused neuron
 * kernels behind `spikingNeuron()` (those also for the cpu backend, the reference). Idempotent per
 * backend name: a second call returns the existing registration. Imports
 * `@tensorflow/tfjs-backend-wasm` first so that its stock kernels are registered before being
 * replaced (and restored by `unregister()`).
 */
export async function useWasmSimd(options: UseWasmSimdOptions = {}): Promise<WasmSimdRegistration> {
  const backendName = options.backendName ?? 'wasm';
  const existing = active.get(backendName);
  if (existing) return existing;
  const names = [...(options.kernels ?? ALL_KERNELS)];
  for (const name of names) {
    if (!ALL_KERNELS.includes(name)) {
      throw new Error(`useWasmSimd: unknown kernel '${name}', expected one of ${ALL_KERNELS.join(', ')}`);
    }
  }
  if (backendName === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  const k = await loadKernels({ threads: options.threads });
  const again = active.get(backendName);
  if (again) return again;

  const configs: KernelConfig[] = [];
  if (names.includes(Conv2DBackpropFilter)) {
    configs.push({ kernelName: Conv2DBackpropFilter, backendName, kernelFunc: makeConvFilterKernel(k) });
  }
  if (names.includes(Conv2DBackpropInput)) {
    configs.push({ kernelName: Conv2DBackpropInput, backendName, kernelFunc: makeConvInputKernel(k) });
  }
  const neuronBackends = backendName === 'cpu' ? ['cpu'] : [backendName, 'cpu'];
  for (const b of neuronBackends) {
    for (const c of neuronKernelConfigs(b, k))
      if (names.includes(c.kernelName as WasmSimdKernelName)) configs.push(c);
  }
  const previous: { config: KernelConfig; old: KernelConfig | undefined }[] = [];
  for (const config of configs) {
    const old = getKernel(config.kernelName, config.backendName);
    previous.push({ config, old });
    if (old) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
  let done = false;
  const registration: WasmSimdRegistration = {
    backendName,
    threads: k.threads,
    kernels: names,
    unregister() {
      if (done) return;
      done = true;
      active.delete(backendName);
      for (const { config, old } of previous) {
        const { kernelName, backendName: b } = config;
        if (getKernel(kernelName, b)) unregisterKernel(kernelName, b);
        if (!old) continue;
        registerKernel(old);
        // A stock kernel registered before the backend started had its setup run then; if the
        // backend started while ours was installed, run the stock setup now.
        const backend = findBackend(b);
        if (backend && old.setupFunc) old.setupFunc(backend);
      }
    },
  };
  active.set(backendName, registration);
  return registration;
}
