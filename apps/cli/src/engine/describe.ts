import type { BackendInfo } from '@synaptogen/nn/backend';

/** "wasm (SIMD, 1 thread) + @synaptogen/wasm-simd (15 kernels, 2 threads)" */
export function describeEngine(info: BackendInfo): string {
  const base =
    info.backend === 'wasm'
      ? `wasm (${info.wasmSimd ? 'SIMD' : 'no SIMD'}, ${info.wasmThreads} thread${info.wasmThreads === 1 ? '' : 's'})`
      : info.backend;
  const acc = info.accelerator;
  if (!acc || acc.kernels.length === 0) return `${base}, stock kernels`;
  return `${base} + ${acc.name} (${acc.kernels.length} kernels, ${acc.threads} thread${acc.threads === 1 ? '' : 's'})`;
}
