import {
  engine,
  findBackend,
  getKernel,
  type KernelConfig,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { type HeapKernelsProvider, heapKernelsFor, prepareHeapKernels } from './heap-instance.js';
import { ALL_KERNELS, kernelConfigs, type WasmSimdKernelName } from './kernels/registry.js';
import { loadKernels } from './runtime.js';

export type { WasmSimdKernelName };

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

  const configs = kernelConfigs(names, { k, backendName, heapFor, conv: { winograd }, sparseWeights });
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
