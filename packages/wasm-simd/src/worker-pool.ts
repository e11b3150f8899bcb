import { BLOCKED_SHORT_MS, DEFAULT_SPIN_LIMITS, nextSpinChecks, type SpinLimits } from './spin-budget.js';

/** Exports a worker may run (by index). */
export const PARALLEL_FUNCTIONS = [
  'convFilterRange',
  'convInputRange',
  'neuronForward',
  'neuronBackward',
  'sparseNetRange',
  'simdPeakRange',
  'maxPoolGradFirstRange',
  'spikeConvForwardRange',
  'spikeConvFilterRange',
  'convForwardRange',
  'gemmAB',
  'bnReduceRange',
  'bnGradSumsRange',
  'bnApplyRange',
  'spikeFilterChannelsRange',
  'spmmRange',
  'adamRange',
  'gradrRange',
  'winogradRange',
  'winogradFilterGradRange',
] as const;
export type ParallelFunction = (typeof PARALLEL_FUNCTIONS)[number];
export interface Job {
  fn: ParallelFunction;
  args: number[];
}

/** Split [0, n) into at most `parts` ranges [start, end) whose lengths are multiples of 4 (the last may be shorter). */
export function splitRange(n: number, parts: number): [number, number][] {
  const per = Math.ceil(n / parts / 4) * 4;
  const out: [number, number][] = [];
  for (let i0 = 0; i0 < n; i0 += per) out.push([i0, Math.min(n, i0 + per)]);
  return out;
}

/**
 * Workers share the kernel module's memory and wait on a control block in it (Int32 [seq, done,
 * failed], then Float64 [fn, argc, ...args]): a job is a store + notify, with no message passing, so
 * the synchronous tfjs kernel functions can use them.
 */
export interface WorkerHandle {
  start(job: Job): void;
  /** Block until the started job is done; throws if it failed. */
  wait(): void;
  /** Stop the worker (its instance is then unusable). */
  terminate(): void;
}

/** [min, max] spin checks, shared with every worker so that `setSpinLimits` reaches running ones. */
let sharedLimits: Int32Array | undefined;
function spinLimitsArray(): Int32Array {
  if (!sharedLimits) {
    // a plain buffer where SharedArrayBuffer is missing: there are no workers then
    const Backing = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : ArrayBuffer;
    sharedLimits = new Int32Array(new Backing(8));
    sharedLimits.set([DEFAULT_SPIN_LIMITS.min, DEFAULT_SPIN_LIMITS.max]);
  }
  return sharedLimits;
}

/**
 * Bounds of the adaptive spin before a thread blocks (see spin-budget.ts); applies at once to running
 * workers. `{ min: 100_000, max: 100_000 }` is the earlier fixed spin, `{ min: 0, max: 0 }` never spins.
 */
export function setSpinLimits(limits: SpinLimits): void {
  const { min, max } = limits;
  const valid = (v: number) => Number.isInteger(v) && v >= 0 && v <= 0x7fffffff;
  if (!valid(min) || !valid(max) || min > max)
    throw new Error(
      `setSpinLimits: expected integers 0 <= min <= max < 2^31, got { min: ${min}, max: ${max} }`,
    );
  const a = spinLimitsArray();
  Atomics.store(a, 0, min);
  Atomics.store(a, 1, max);
}

/** The current bounds of the adaptive spin. */
export function getSpinLimits(): SpinLimits {
  const a = spinLimitsArray();
  return { min: Atomics.load(a, 0), max: Atomics.load(a, 1) };
}

// Runs as a classic script: in Node as an eval'd worker_threads worker, in browsers from a Blob URL.
const WORKER_SOURCE = `
const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);
const port = isNode ? require('node:worker_threads').parentPort : null;
const post = (m) => (isNode ? port.postMessage(m) : self.postMessage(m));
const onMessage = (fn) => (isNode ? port.once('message', fn) : (self.onmessage = (e) => fn(e.data)));
// bound to a name of its own: a minifier renames the function, not the calls in this template
const nextSpinChecks = ${nextSpinChecks};
onMessage(async ({ module, memory, ctl, names, limits }) => {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const fns = names.map((n) => instance.exports[n]);
  const i32 = new Int32Array(memory.buffer, ctl, 4);
  const f64 = new Float64Array(memory.buffer, ctl + 16, 30);
  post('ready');
  // V8 installs tiered-up (optimised) wasm code through tasks on this thread's event loop, which a
  // loop that never returns to it never runs: the kernels then stayed on the baseline compiler here,
  // 40% slower than on the main thread. So the loop yields to the event loop now and then.
  const yieldTask = isNode
    ? (r) => setImmediate(r)
    : (r) => {
        const c = new MessageChannel();
        c.port1.onmessage = () => r();
        c.port2.postMessage(0);
      };
  const maybeYield = async () => {
    if (Date.now() - lastYield > 20) {
      await new Promise(yieldTask);
      lastYield = Date.now();
    }
  };
  let lastYield = Date.now();
  let seq = 0;
  let checks = Atomics.load(limits, 1);
  for (;;) {
    // Spin first (adaptive budget, spin-budget.ts): a futex wake-up took ~100 µs on the 2-core VM,
    // longer than many jobs.
    let spun = 0;
    while (spun < checks && Atomics.load(i32, 0) === seq) spun++;
    let blockedMs = 0;
    if (spun === checks) {
      spun = -1;
      const t0 = performance.now();
      // Timed waits: a wake-up that never arrives (seen on the main thread's side, see waitFor) then
      // costs 50 ms here instead of a hang; idle, the worker yields to its event loop between waits.
      while (Atomics.load(i32, 0) === seq) {
        if (Atomics.wait(i32, 0, seq, 50) === 'timed-out') await maybeYield();
      }
      blockedMs = performance.now() - t0;
    }
    seq = Atomics.load(i32, 0);
    // everything a job runs stays inside the try: a throw outside it would kill this loop and leave
    // the main thread waiting for a job that never ends
    try {
      checks = nextSpinChecks(checks, spun, blockedMs, Atomics.load(limits, 0), Atomics.load(limits, 1), ${BLOCKED_SHORT_MS});
      const argc = f64[1];
      const args = [];
      for (let i = 0; i < argc; i++) args.push(f64[2 + i]);
      fns[f64[0]](...args);
      Atomics.store(i32, 2, 0);
    } catch (err) {
      Atomics.store(i32, 2, 1);
    }
    Atomics.store(i32, 1, seq);
    Atomics.notify(i32, 1);
    await maybeYield();
  }
});
`;

interface AnyWorker {
  postMessage(m: unknown): void;
  terminate(): unknown;
}

async function spawn(): Promise<{ worker: AnyWorker; ready: Promise<void> }> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (proc?.versions?.node) {
    const spec = 'node:worker_threads';
    const { Worker } = (await import(/* @vite-ignore */ spec)) as typeof import('node:worker_threads');
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.unref(); // idle workers must not keep the process alive
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return { worker, ready };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = () => resolve();
    worker.onerror = (e) => reject(new Error(`wasm-simd worker failed to start: ${e.message}`));
  });
  return { worker, ready };
}

// Browsers forbid Atomics.wait on the main thread: spin there instead (jobs are short).
let canBlock: boolean | undefined;
/** `budget`: this waiter's spin checks, adapted after each wait that could block. */
function waitFor(i32: Int32Array, index: number, value: number, budget: { checks: number }): void {
  let spun = 0;
  while (spun < budget.checks && Atomics.load(i32, index) !== value) spun++;
  if (spun < budget.checks) {
    adaptBudget(budget, spun, 0);
    return;
  }
  if (canBlock !== false) {
    try {
      const t0 = performance.now();
      // 1 ms timeouts: in Node 20 about one wake-up in a few thousand never arrived, and each cost
      // the whole timeout (1 s with the earlier 1000 ms: 4 such stalls in 600 MLP steps)
      while (Atomics.load(i32, index) !== value) Atomics.wait(i32, index, Atomics.load(i32, index), 1);
      canBlock = true;
      adaptBudget(budget, -1, performance.now() - t0);
      return;
    } catch {
      canBlock = false;
    }
  }
  // cannot block (a browser's main thread): spin on, whatever the budget
  while (Atomics.load(i32, index) !== value) {
    /* spin */
  }
}

function adaptBudget(budget: { checks: number }, spun: number, blockedMs: number): void {
  const limits = spinLimitsArray();
  const min = Atomics.load(limits, 0);
  const max = Atomics.load(limits, 1);
  budget.checks = nextSpinChecks(budget.checks, spun, blockedMs, min, max, BLOCKED_SHORT_MS);
}

export async function startWorker(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  ctl: number,
): Promise<WorkerHandle> {
  const { worker, ready } = await spawn();
  const limits = spinLimitsArray();
  worker.postMessage({ module, memory, ctl, names: [...PARALLEL_FUNCTIONS], limits });
  await ready;
  const i32 = new Int32Array(memory.buffer, ctl, 4);
  const f64 = new Float64Array(memory.buffer, ctl + 16, 30);
  let seq = 0;
  const budget = { checks: Atomics.load(limits, 1) };
  return {
    start(job) {
      if (job.args.length > 28) throw new Error(`wasm-simd: too many arguments for ${job.fn}`);
      f64[0] = PARALLEL_FUNCTIONS.indexOf(job.fn);
      f64[1] = job.args.length;
      for (let i = 0; i < job.args.length; i++) f64[2 + i] = job.args[i];
      seq++;
      Atomics.store(i32, 0, seq);
      Atomics.notify(i32, 0);
    },
    wait() {
      waitFor(i32, 1, seq, budget);
      if (Atomics.load(i32, 2) !== 0) throw new Error('wasm-simd: a kernel failed in a worker thread');
    },
    terminate() {
      void worker.terminate();
    },
  };
}
