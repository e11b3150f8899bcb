import type { KernelInstance } from './runtime.js';

const FLOPS_PER_ROUND = 48; // simdPeakProbe: 6 multiply + 6 add chains × 4 lanes

export interface SimdPeak {
  /** f32x4 multiply + add GFLOP/s of one thread. */
  gflopsPerThread: number;
  /** The same on all of the instance's threads at once. */
  gflops: number;
  threads: number;
}

/**
 * Measures this machine's 128-bit wasm SIMD peak (separate multiply and add: wasm SIMD has no FMA)
 * with a register-only kernel: the ceiling that the GEMM kernels' GFLOP/s should be read against.
 */
export function measureSimdPeak(k: KernelInstance, rounds = 20_000_000): SimdPeak {
  k.reset();
  const out = k.alloc(16 * k.threads);
  const run = (threads: number) => {
    const jobs = Array.from({ length: threads }, (_, t) => ({
      fn: 'simdPeakRange' as const,
      args: [rounds, out + 64 * t],
    }));
    k.parallel(jobs); // warm-up (tier-up of the wasm code)
    const t0 = performance.now();
    k.parallel(jobs);
    return (threads * rounds * FLOPS_PER_ROUND) / ((performance.now() - t0) / 1000) / 1e9;
  };
  const gflopsPerThread = run(1);
  const gflops = k.threads > 1 ? run(k.threads) : gflopsPerThread;
  return { gflopsPerThread, gflops, threads: k.threads };
}
