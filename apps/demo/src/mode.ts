/**
 * How many threads the demo trains on. Threads need SharedArrayBuffer, which browsers give only to a
 * cross-origin isolated page: one served with `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp`. Without them the same training runs on one thread.
 */
export interface RunMode {
  /** `crossOriginIsolated` of the training worker. */
  isolated: boolean;
  /** Threads of tfjs' wasm backend and of `@synaptogen/wasm-simd`'s kernels (1 when they are not installed). */
  tfjsThreads: number;
  kernelThreads: number;
}

/** The most threads any part of a training step runs on. */
export const threadsOf = (m: RunMode): number => Math.max(m.tfjsThreads, m.kernelThreads);

/** The line the page shows, e.g. "2 threads (cross-origin isolated)". */
export function describeMode(m: RunMode): string {
  const n = threadsOf(m);
  const threads = `${n} thread${n === 1 ? '' : 's'}`;
  return m.isolated
    ? `${threads} (cross-origin isolated)`
    : `${threads} (not cross-origin isolated: the server sends no COOP/COEP headers)`;
}
