import {
  BatchMatMul,
  type BatchMatMulAttrs,
  backend_util,
  Conv2D,
  type Conv2DAttrs,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  engine,
  findBackend,
  Greater,
  GreaterEqual,
  getKernel,
  Identity,
  type KernelConfig,
  type KernelFunc,
  registerKernel,
  Slice,
  type TensorInfo,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { ADAM_UPDATE, adamKernelConfigs } from './adam.js';
import { BATCHNORM_BACKWARD, BATCHNORM_FORWARD, batchNormKernelConfigs } from './batchnorm.js';
import {
  type ConvGeometry,
  type ConvOptions,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dForward,
} from './conv.js';
import { GRADR_UPDATE, gradrKernelConfigs } from './gradr.js';
import { greaterKernelConfig } from './greater.js';
import { type HeapKernelsProvider, heapKernelsFor, prepareHeapKernels } from './heap-instance.js';
import { greaterEqualKernelConfig, sliceKernelConfig } from './heap-kernels.js';
import { identityKernelConfig } from './identity.js';
import {
  keptAIsSparse,
  matMulKeepingA,
  matMulSparseB,
  SPARSE_WEIGHT_DENSITY_MAX,
  sampledDensity,
  sparseWeightWins,
} from './matmul.js';
import { NEURON_BACKWARD, NEURON_FORWARD, neuronKernelConfigs } from './neuron-op.js';
import { MAXPOOL_GRAD_FIRST, poolKernelConfigs } from './pool.js';
import { type KernelInstance, loadKernels } from './runtime.js';
import {
  conv2dBackpropFilterSpikes,
  conv2dSpikes,
  spikeFilterDensityMax,
  spikeForwardDensityMax,
} from './spike-conv.js';

/** The parts of tfjs-backend-wasm's BackendWasm that the kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

export type WasmSimdKernelName =
  | typeof BatchMatMul
  | typeof Conv2D
  | typeof Conv2DBackpropFilter
  | typeof Conv2DBackpropInput
  | typeof NEURON_FORWARD
  | typeof NEURON_BACKWARD
  | typeof MAXPOOL_GRAD_FIRST
  | typeof BATCHNORM_FORWARD
  | typeof BATCHNORM_BACKWARD
  | typeof Identity
  | typeof Slice
  | typeof GreaterEqual
  | typeof Greater
  | typeof ADAM_UPDATE
  | typeof GRADR_UPDATE;

export interface UseWasmSimdOptions {
  /** Kernels to install (default: all). */
  kernels?: readonly WasmSimdKernelName[];
  /** tfjs backend name the kernels are registered for (default 'wasm'). */
  backendName?: string;
  /** Threads for the kernels (default: all cores up to 8; 1 where SharedArrayBuffer is unavailable). */
  threads?: number;
  /**
   * Run the memory-bound kernels (neurons, Adam, Grad R, Greater) inside tfjs-backend-wasm's memory,
   * on the tensors in place, on the calling thread (default true). false: they copy their operands
   * to this package's memory and use its threads (for comparisons).
   */
  inPlace?: boolean;
  /**
   * Compute stride-1 3×3 convs on dense input (forward), their input gradients (F(2×2, 3×3)) and
   * their filter gradients (F(3×3, 2×2)) with Winograd (default true): 2.25× fewer multiply-adds,
   * equal to the direct sums up to rounding. false: im2col GEMM only. Spike inputs keep the
   * event-driven kernels up to a lower density where Winograd is their fallback.
   */
  winograd?: boolean;
  /**
   * Skip the zeros of a mostly-zero right operand of BatchMatMul (a pruned weight: a Linear layer's
   * forward x·W and its input gradient dy·Wᵀ) when that visits fewer products than skipping the
   * left operand's or computing densely (default true). Sums keep their order: equal to the dense
   * path up to the sign of all-zero sums. false: weights are multiplied densely (for comparisons).
   */
  sparseWeights?: boolean;
}

export interface WasmSimdRegistration {
  backendName: string;
  /** Threads the kernels run on. */
  threads: number;
  /** Kernel names now served by this package. */
  kernels: WasmSimdKernelName[];
  /** Whether the memory-bound kernels run in tfjs' memory in place (`UseWasmSimdOptions.inPlace`). */
  inPlace: boolean;
  /** Whether stride-1 3×3 convs and their gradients use Winograd (`UseWasmSimdOptions.winograd`). */
  winograd: boolean;
  /** Whether BatchMatMul skips a sparse weight's zeros (`UseWasmSimdOptions.sparseWeights`). */
  sparseWeights: boolean;
  /** Restore the previous kernels (stock ones where they existed). Safe to call twice. */
  unregister(): void;
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

function makeConvFilterKernel(k: KernelInstance, options: ConvOptions): KernelFunc {
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
    const xs = b.typedArrayFromHeap(x);
    const dys = b.typedArrayFromHeap(dy);
    const dw = b.typedArrayFromHeap(out);
    if (!conv2dBackpropFilterSpikes(k, xs, dys, g, dw, spikeFilterDensityMax(g, options)))
      conv2dBackpropFilter(k, xs, dys, g, dw, options);
    return out;
  };
}

function makeConvInputKernel(k: KernelInstance, options: ConvOptions): KernelFunc {
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
      options,
    );
    return out;
  };
}

/**
 * Conv2D on our kernels: the spike path when the input is binary spikes (and sparse enough), else
 * the im2col GEMM. NCHW or dilated convs go to the stock kernel, whose setup this config carries over.
 */
function makeConvKernel(k: KernelInstance, stock: KernelConfig, options: ConvOptions): KernelConfig {
  return {
    kernelName: Conv2D,
    backendName: stock.backendName,
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
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

/**
 * BatchMatMul on our kernels (float32, rank ≥ 2, leading dims equal or one side's all 1): the sparse
 * path when op(A) has enough zeros, else the GEMM. Anything else goes to the stock kernel.
 */
function makeMatMulKernel(k: KernelInstance, stock: KernelConfig, sparseWeights: boolean): KernelConfig {
  return {
    kernelName: BatchMatMul,
    backendName: stock.backendName,
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
      const w = backend as unknown as Partial<WasmBackendLike>;
      const ra = a.shape.length;
      const rb = b.shape.length;
      if (a.dtype !== 'float32' || b.dtype !== 'float32' || ra < 2 || rb < 2 || !w.makeOutput)
        return stock.kernelFunc(args);
      const [a1, a2] = a.shape.slice(-2);
      const [b1, b2] = b.shape.slice(-2);
      const m = transposeA ? a2 : a1;
      const kDim = transposeA ? a1 : a2;
      const n = transposeB ? b1 : b2;
      const outer = (s: number[]) => s.slice(0, -2);
      const ba = outer(a.shape).reduce((x, y) => x * y, 1);
      const bb = outer(b.shape).reduce((x, y) => x * y, 1);
      // the broadcast batch must be one side's leading dims (the other's product 1)
      const lead = ba >= bb ? outer(a.shape) : outer(b.shape);
      const other = ba >= bb ? outer(b.shape) : outer(a.shape);
      const broadcastOk = Math.min(ba, bb) === 1 || (ba === bb && lead.join() === other.join());
      if ((transposeB ? b2 : b1) !== kDim || !broadcastOk || m * kDim * n === 0)
        return stock.kernelFunc(args);
      const batch = Math.max(ba, bb);
      const h = heap(backend);
      // A pruned weight as B: skip its zeros when the cost model says so (see sparseWeightWins).
      // Densities are sampled, ~30 µs a tensor.
      if (sparseWeights && ba === 1 && bb === 1) {
        const dB = sampledDensity(h.typedArrayFromHeap(b));
        if (dB <= SPARSE_WEIGHT_DENSITY_MAX) {
          const dA = sampledDensity(h.typedArrayFromHeap(a));
          if (sparseWeightWins(m, kDim, n, dA, dB)) {
            const lead1 = backend_util.assertAndGetBroadcastShape(outer(a.shape), outer(b.shape));
            const out = h.makeOutput([...lead1, m, n], 'float32');
            // views after makeOutput: allocating may grow (and detach) the backend's heap
            const av = h.typedArrayFromHeap(a);
            const cv = h.typedArrayFromHeap(out);
            const bw = h.typedArrayFromHeap(b);
            if (
              !matMulSparseB(
                k,
                av,
                bw,
                m,
                kDim,
                n,
                Boolean(transposeA),
                Boolean(transposeB),
                cv,
                b.dataId,
                '0',
              )
            )
              matMulKeepingA(
                k,
                av,
                bw,
                m,
                kDim,
                n,
                Boolean(transposeA),
                Boolean(transposeB),
                cv,
                a.dataId,
                '0',
              );
            return out;
          }
        }
      }
      // Without transposes, stock XNNPACK is as fast as our packed 4×8 GEMM on a dense A (7.7 vs 8.4 ms
      // on [128×784]·[784×800], 1.0–1.4 vs 3.8 ms on [1024×800]·[800×10]): only a sparse A comes here.
      if (!transposeA && !transposeB && ba === 1) {
        if (!keptAIsSparse(k, h.typedArrayFromHeap(a), m, kDim, a.dataId, '0')) return stock.kernelFunc(args);
      }
      const shape = backend_util.assertAndGetBroadcastShape(outer(a.shape), outer(b.shape));
      const out = h.makeOutput([...shape, m, n], 'float32');
      const av = h.typedArrayFromHeap(a);
      const bv = h.typedArrayFromHeap(b);
      const cv = h.typedArrayFromHeap(out);
      for (let i = 0; i < batch; i++) {
        const ai = ba === 1 ? 0 : i;
        const bi = bb === 1 ? 0 : i;
        matMulKeepingA(
          k,
          av.subarray(ai * m * kDim, (ai + 1) * m * kDim),
          bv.subarray(bi * kDim * n, (bi + 1) * kDim * n),
          m,
          kDim,
          n,
          Boolean(transposeA),
          Boolean(transposeB),
          cv.subarray(i * m * n, (i + 1) * m * n),
          a.dataId,
          String(ai),
        );
      }
      return out;
    },
  };
}

const CONV_KERNELS = [Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput] as const;
const ALL_KERNELS: readonly WasmSimdKernelName[] = [
  BatchMatMul,
  ...CONV_KERNELS,
  NEURON_FORWARD,
  NEURON_BACKWARD,
  MAXPOOL_GRAD_FIRST,
  BATCHNORM_FORWARD,
  BATCHNORM_BACKWARD,
  Identity,
  Slice,
  GreaterEqual,
  Greater,
  ADAM_UPDATE,
  GRADR_UPDATE,
];
const DEFAULT_KERNELS = ALL_KERNELS;
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
  const names = [...(options.kernels ?? DEFAULT_KERNELS)];
  for (const name of names) {
    if (!ALL_KERNELS.includes(name)) {
      throw new Error(`useWasmSimd: unknown kernel '${name}', expected one of ${ALL_KERNELS.join(', ')}`);
    }
  }
  if (backendName === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  const k = await loadKernels({ threads: options.threads });
  const inPlace = options.inPlace ?? true;
  const winograd = options.winograd ?? true;
  const sparseWeights = options.sparseWeights ?? true;
  // an already started backend only: findBackend() would start one, asynchronously, under the caller
  const started = (engine() as unknown as { registry?: Record<string, unknown> }).registry?.[backendName];
  if (inPlace && backendName === 'wasm') await prepareHeapKernels(started);
  const heapFor: HeapKernelsProvider = inPlace ? heapKernelsFor : () => null;
  const again = active.get(backendName);
  if (again) return again;

  const configs: KernelConfig[] = [];
  const stockMatMul = getKernel(BatchMatMul, backendName);
  if (names.includes(BatchMatMul) && stockMatMul && backendName === 'wasm') {
    configs.push(makeMatMulKernel(k, stockMatMul, sparseWeights));
  }
  // stock wasm kernels replaced by copy-free ones (see identity.ts, heap-kernels.ts)
  for (const [name, make] of [
    [Identity, identityKernelConfig],
    [Slice, sliceKernelConfig],
    [GreaterEqual, greaterEqualKernelConfig],
    [Greater, (stock: KernelConfig) => greaterKernelConfig(stock, k, heapFor)],
  ] as const) {
    const stock = getKernel(name, backendName);
    if (names.includes(name) && stock && backendName === 'wasm') configs.push(make(stock));
  }
  const stockConv = getKernel(Conv2D, backendName);
  if (names.includes(Conv2D) && stockConv && backendName === 'wasm') {
    configs.push(makeConvKernel(k, stockConv, { winograd }));
  }
  if (names.includes(Conv2DBackpropFilter)) {
    configs.push({
      kernelName: Conv2DBackpropFilter,
      backendName,
      kernelFunc: makeConvFilterKernel(k, { winograd }),
    });
  }
  if (names.includes(Conv2DBackpropInput)) {
    configs.push({
      kernelName: Conv2DBackpropInput,
      backendName,
      kernelFunc: makeConvInputKernel(k, { winograd }),
    });
  }
  const neuronBackends = backendName === 'cpu' ? ['cpu'] : [backendName, 'cpu'];
  for (const b of neuronBackends) {
    for (const c of [
      ...neuronKernelConfigs(b, k, heapFor),
      ...poolKernelConfigs(b, k),
      ...batchNormKernelConfigs(b, k),
      ...adamKernelConfigs(b, k, heapFor),
      ...gradrKernelConfigs(b, k, heapFor),
    ])
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
    inPlace,
    winograd,
    sparseWeights,
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
