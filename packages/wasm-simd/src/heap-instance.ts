import type { TensorInfo } from '@tensorflow/tfjs-core';
import { kernelsHeapWasmBase64 } from './generated/kernels-wasm.js';
import { decodeBase64 } from './runtime.js';

/**
 * Kernels that run inside tfjs-backend-wasm's own memory, on its tensors' bytes: no copy in, no copy
 * out. The element-wise kernels (neurons, Adam, Grad R, Greater) are memory-bound, and copying
 * their operands to our module's memory and back cost as much as the kernels themselves (gradr-mnist-
 * mlp: ~20 MB a step). tfjs' memory is not shared, so these run on the calling thread only; the
 * compute-bound kernels (conv, matmul) keep our worker threads and copy.
 *
 * The module (assembly/heap.ts) is instantiated on tfjs' memory, so it owns no bytes in it: every
 * buffer is a tensor or a block from tfjs' malloc.
 */
export interface HeapExports {
  neuronForward(...args: number[]): void;
  neuronBackward(...args: number[]): void;
  adamRange(...args: number[]): void;
  gradrRange(...args: number[]): void;
  greaterRange(a: number, b: number, out: number, n: number, mode: number, int: number): void;
  channelScoreSums(...args: number[]): void;
}

/** The parts of tfjs-backend-wasm's BackendWasm (4.x) used here. */
interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  getMemoryOffset(dataId: object): number;
  wasm: {
    HEAPU8: Uint8Array;
    _malloc(bytes: number): number;
    _free(ptr: number): void;
    asm?: { memory?: WebAssembly.Memory };
    wasmMemory?: WebAssembly.Memory;
  };
}

export class HeapKernels {
  constructor(
    readonly exports: HeapExports,
    private readonly backend: WasmBackendInternals,
    private readonly memory: WebAssembly.Memory,
  ) {}

  /** Byte offset of a tensor's data in tfjs' memory. */
  ptr(t: TensorInfo): number {
    return this.backend.getMemoryOffset(t.dataId) >>> 0;
  }

  /** A new tfjs output tensor and the byte offset of its data. */
  output(shape: number[], dtype: 'float32' | 'bool' = 'float32'): { info: TensorInfo; ptr: number } {
    const info = this.backend.makeOutput(shape, dtype);
    return { info, ptr: this.ptr(info) };
  }

  /**
   * Runs `fn` with `floats` float32 slots of scratch from tfjs' malloc (filled with `fill`), freed
   * afterwards even if `fn` throws.
   */
  withScratch<R>(floats: number, fill: number, fn: (ptr: number) => R): R {
    const ptr = this.backend.wasm._malloc(Math.max(1, floats) * 4) >>> 0;
    try {
      this.f32(ptr, floats).fill(fill);
      return fn(ptr);
    } finally {
      this.backend.wasm._free(ptr);
    }
  }

  /** A view of tfjs' memory; take it after the last allocation (growing detaches older views). */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }
}

/** The in-heap kernels for a kernel call's backend, or null (then the copying path runs). */
export type HeapKernelsProvider = (backend: unknown) => HeapKernels | null;

let module: Promise<WebAssembly.Module> | null = null;
// set once the async compile has finished, for heapKernelsFor's synchronous instantiation
let compiledModule: WebAssembly.Module | null = null;
const byBackend = new WeakMap<object, HeapKernels | null>();

function internals(backend: unknown): { b: WasmBackendInternals; memory: WebAssembly.Memory } | null {
  const b = backend as Partial<WasmBackendInternals> | null;
  if (!b || typeof b.makeOutput !== 'function' || typeof b.getMemoryOffset !== 'function') return null;
  const wasm = b.wasm;
  if (!wasm || typeof wasm._malloc !== 'function' || typeof wasm._free !== 'function') return null;
  const memory = wasm.asm?.memory ?? wasm.wasmMemory;
  // the memory must be the one tfjs' heap views read (a shared one, from tfjs' threaded build, would
  // not link to this module's unshared import and is left to the copying kernels)
  if (!(memory instanceof WebAssembly.Memory) || memory.buffer !== wasm.HEAPU8?.buffer) return null;
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return null;
  return { b: b as WasmBackendInternals, memory };
}

/**
 * Compiles the in-heap module (asynchronously: browsers forbid large synchronous compiles) and, when
 * `backend` is a tfjs wasm backend, instantiates it there ahead of the first kernel call.
 */
export async function prepareHeapKernels(backend?: unknown): Promise<void> {
  module ??= WebAssembly.compile(decodeBase64(kernelsHeapWasmBase64));
  const m = await module;
  compiledModule = m;
  const found = backend ? internals(backend) : null;
  if (!found || byBackend.has(backend as object)) return;
  try {
    const instance = await WebAssembly.instantiate(m, { env: { memory: found.memory } });
    byBackend.set(
      backend as object,
      new HeapKernels(instance.exports as unknown as HeapExports, found.b, found.memory),
    );
  } catch {
    byBackend.set(backend as object, null);
  }
}

/**
 * The in-heap kernels for a tfjs backend, or null where they cannot run (the cpu backend, tfjs'
 * threaded build, or before `prepareHeapKernels`): callers then take their copying path. A wasm
 * backend started after `useWasmSimd()` is instantiated here, synchronously (fine in Node and in
 * workers; where a browser's main thread refuses it, the copying path is used).
 */
export function heapKernelsFor(backend: unknown): HeapKernels | null {
  const known = byBackend.get(backend as object);
  if (known !== undefined) return known;
  const found = internals(backend);
  if (!found) return null;
  let kernels: HeapKernels | null = null;
  const compiled = compiledModule;
  if (compiled) {
    try {
      const instance = new WebAssembly.Instance(compiled, { env: { memory: found.memory } });
      kernels = new HeapKernels(instance.exports as unknown as HeapExports, found.b, found.memory);
    } catch {
      kernels = null;
    }
  }
  if (compiled) byBackend.set(backend as object, kernels);
  return kernels;
}
