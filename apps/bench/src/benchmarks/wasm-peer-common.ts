// Shared by wasm-simd-peak, wasm-conv-kernels and wasm-vs-pytorch: the engine's default thread count and the
// machine's measured 128-bit SIMD peak, the yardstick of their GFLOP/s figures (measured once a process).
import { loadKernels, useWasmSimd } from '@synaptogen/wasm-simd';
import { measureSimdPeak, type SimdPeak } from '@synaptogen/wasm-simd/tuning';
import type { BenchContext } from '../record.js';

/** Threads the engine runs on by default (all cores up to 8): what `useWasmSimd()` registers. */
export async function engineThreads(): Promise<number> {
  const reg = await useWasmSimd();
  const threads = reg.threads;
  reg.unregister();
  return threads;
}

const peaks = new Map<string, Promise<SimdPeak>>();

/** The SIMD peak (mul+add) on `threads` threads; --quick probes for a quarter of the iterations. */
export function simdPeak(ctx: BenchContext, threads: number): Promise<SimdPeak> {
  const key = `${threads}:${ctx.quick}`;
  let peak = peaks.get(key);
  if (!peak) {
    peak = loadKernels({ threads }).then((k) => measureSimdPeak(k, ctx.quick ? 5_000_000 : 20_000_000));
    peaks.set(key, peak);
  }
  return peak;
}
