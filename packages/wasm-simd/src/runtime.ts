import { kernelsSharedWasmBase64, kernelsWasmBase64 } from './generated/kernels-wasm.js';
import { type Job, startWorker, type WorkerHandle } from './worker-pool.js';

/** Raw exports of the AssemblyScript module (pointers are byte offsets into `memory`). */
export interface KernelExports {
  memory?: WebAssembly.Memory;
  heapBase(): number;
  zero(ptr: number, bytes: number): void;
  addInto(c: number, src: number, count: number): void;
  packFilterT(w: number, b: number, kTotal: number, co: number): void;
  unpad(src: number, dst: number, rows: number, cols: number, stride: number): void;
  convFilterRange(...args: number[]): void;
  convInputRange(...args: number[]): void;
  neuronForward(...args: number[]): void;
  neuronBackward(...args: number[]): void;
  sparseNetRange(...args: number[]): void;
  simdPeakRange(iters: number, out: number): void;
  maxPoolGradFirstRange(...args: number[]): void;
  buildEvents(x: number, rows: number, cols: number, rowBytes: number, offs: number, ev: number): number;
  spikeConvForwardRange(...args: number[]): void;
  spikeConvFilterRange(...args: number[]): void;
  convForwardRange(...args: number[]): void;
  gemmAB(...args: number[]): void;
  packRowsT4Strided(src: number, a: number, rows: number, inner: number, rs: number, cs: number): void;
  packCols8Strided(src: number, b: number, inner: number, cols: number, rs: number, cs: number): void;
  packFilterCols8(w: number, b: number, kTotal: number, co: number): void;
  bnReduceRange(...args: number[]): void;
  bnGradSumsRange(...args: number[]): void;
  bnApplyRange(...args: number[]): void;
  spikeFilterChannelsRange(...args: number[]): void;
  binaryCount(x: number, n: number): number;
  csrBuild(src: number, rows: number, cols: number, rowPtr: number, col: number, val: number): number;
  csrTranspose(...args: number[]): void;
  packRowsPadded(...args: number[]): void;
  transposePadded(src: number, dst: number, rows: number, cols: number, ss: number, ds: number): void;
  spmmRange(...args: number[]): void;
  adamRange(...args: number[]): void;
  gradrRange(...args: number[]): void;
  greaterRange(a: number, b: number, out: number, n: number, mode: number, int: number): void;
  winogradFilter(w: number, u: number, cin: number, cout: number, flip: number): void;
  winogradRange(...args: number[]): void;
  winogradFilterGradRange(...args: number[]): void;
  winogradFilterGradOut(c: number, dw: number, cin: number, cout: number): void;
}

const PAGE = 65536;
const MAX_PAGES = 65536;
const MAX_BYTES = MAX_PAGES * PAGE - PAGE;
const CONTROL_BYTES = 256;

export function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * One instance of the kernel module with a bump arena: each call `reset()`s, `alloc()`s its
 * buffers, and reads views after the last allocation (growing memory detaches older views).
 * With workers, the memory is shared and `parallel()` runs one job per thread.
 */
export class KernelInstance {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private top: number;
  private readonly workers: WorkerHandle[] = [];
  /** Threads the last kernel call ran on (for tests and benchmarks). */
  lastParallelism = 0;

  private readonly arenaStart: number;

  /** `controlSlots`: one control block per worker, kept below the arena. */
  constructor(instance: WebAssembly.Instance, memory: WebAssembly.Memory, controlSlots = 0) {
    this.exports = instance.exports as unknown as KernelExports;
    this.memory = memory;
    this.base = (this.exports.heapBase() + 63) & ~63;
    this.arenaStart = this.base + controlSlots * CONTROL_BYTES;
    this.top = this.arenaStart;
    this.alloc(0);
  }

  /** Threads that `parallel()` uses: this one plus the workers. */
  get threads(): number {
    return 1 + this.workers.length;
  }

  /** Byte offset of worker i's control block. */
  controlPtr(i: number): number {
    return this.base + i * CONTROL_BYTES;
  }

  addWorker(w: WorkerHandle): void {
    this.workers.push(w);
  }

  /** Free the arena down to `mark` (default: all of it). */
  reset(mark = this.arenaStart): void {
    this.top = mark;
  }

  /** The current arena top, for a later `reset(mark)` that keeps what lies below it. */
  mark(): number {
    return this.top;
  }

  /** Stop the worker threads (for exclusive instances; the instance then runs on one thread). */
  dispose(): void {
    for (const w of this.workers.splice(0)) w.terminate();
  }

  /** Reserve `floats` float32 slots, 64-byte aligned; grows the memory when needed. */
  alloc(floats: number): number {
    const ptr = (this.top + 63) & ~63;
    const end = ptr + Math.ceil(floats / 4) * 16;
    if (end > MAX_BYTES) {
      throw new Error(
        `wasm-simd: a kernel needs ${(end / 2 ** 30).toFixed(2)} GiB of scratch memory, above the 4 GiB wasm32 limit; use a smaller batch`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return ptr;
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  /**
   * A shared work counter holding `start`, for the self-scheduling kernels (assembly/schedule.ts):
   * every thread of one `parallel()` call gets the same counter and claims chunks from it.
   */
  counter(start: number): number {
    const ptr = this.alloc(1);
    new Int32Array(this.memory.buffer, ptr, 1)[0] = start;
    return ptr;
  }

  /** Copy `src` into a fresh arena buffer and return its pointer. */
  put(src: Float32Array): number {
    const ptr = this.alloc(src.length);
    this.f32(ptr, src.length).set(src);
    return ptr;
  }

  /** Run jobs[0] here and jobs[i] on worker i−1, all at once; returns when all are done. */
  parallel(jobs: Job[]): void {
    const run = this.exports[jobs[0].fn] as (...a: number[]) => void;
    this.alongside(() => run(...jobs[0].args), jobs.slice(1));
  }

  /**
   * Run `here` on this thread while jobs[i] runs on worker i (e.g. an in-heap kernel here, the rest
   * of the work on copies in this module's memory); returns when all are done.
   */
  alongside(here: () => void, jobs: Job[]): void {
    this.lastParallelism = jobs.length + 1;
    if (jobs.length + 1 > this.threads)
      throw new Error(`wasm-simd: ${jobs.length + 1} jobs for ${this.threads} threads`);
    for (let i = 0; i < jobs.length; i++) this.workers[i].start(jobs[i]);
    let first: unknown;
    try {
      here();
    } catch (err) {
      first = err;
    }
    for (let i = 1; i <= jobs.length; i++) {
      try {
        this.workers[i - 1].wait();
      } catch (err) {
        first ??= err;
      }
    }
    if (first) throw first;
  }
}

export interface LoadKernelsOptions {
  /**
   * Threads for the kernels (this one plus workers sharing the memory). Default: the number of
   * cores, at most 8. Falls back to 1 where SharedArrayBuffer is unavailable (a browser page
   * without cross-origin isolation).
   */
  threads?: number;
  /**
   * A new instance owned by the caller (never shared, never cached), e.g. to keep data in its memory
   * across calls; `dispose()` it when done. Default false: the shared per-thread-count instance.
   */
  exclusive?: boolean;
}

export function sharedMemorySupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean };
  return g.crossOriginIsolated !== false;
}

async function defaultThreads(): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  let cores = nav?.hardwareConcurrency ?? 1;
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (proc?.versions?.node) {
    const spec = 'node:os';
    const os = (await import(/* @vite-ignore */ spec)) as typeof import('node:os');
    cores = os.availableParallelism?.() ?? os.cpus().length;
  }
  return Math.max(1, Math.min(8, cores));
}

const modules = new Map<boolean, Promise<WebAssembly.Module>>();
const instances = new Map<number, Promise<KernelInstance>>();

function compile(shared: boolean): Promise<WebAssembly.Module> {
  let m = modules.get(shared);
  if (!m) {
    // Async compile: browsers forbid large synchronous compiles on the main thread.
    m = WebAssembly.compile(decodeBase64(shared ? kernelsSharedWasmBase64 : kernelsWasmBase64));
    modules.set(shared, m);
  }
  return m;
}

async function create(threads: number): Promise<KernelInstance> {
  if (threads === 1) {
    const instance = await WebAssembly.instantiate(await compile(false), {});
    return new KernelInstance(instance, instance.exports.memory as WebAssembly.Memory);
  }
  const module = await compile(true);
  const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const k = new KernelInstance(instance, memory, threads - 1);
  const workers = await Promise.all(
    Array.from({ length: threads - 1 }, (_, i) => startWorker(module, memory, k.controlPtr(i))),
  );
  for (const w of workers) k.addWorker(w);
  return k;
}

/** The kernel instance for `threads` (created once per thread count and shared). */
export async function loadKernels(options: LoadKernelsOptions = {}): Promise<KernelInstance> {
  const wanted = options.threads ?? (await defaultThreads());
  if (!Number.isInteger(wanted) || wanted < 1) {
    throw new Error(`loadKernels: threads must be a positive integer, got ${options.threads}`);
  }
  const threads = sharedMemorySupported() ? wanted : 1;
  if (options.exclusive) return create(threads);
  let p = instances.get(threads);
  if (!p) {
    p = create(threads);
    instances.set(threads, p);
    p.catch(() => instances.delete(threads));
  }
  return p;
}
