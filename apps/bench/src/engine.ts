import { initBackend } from '@synaptogen/nn';
import { wasmSimd } from '@synaptogen/wasm-simd';
import type { BenchContext } from './record.js';

/**
 * The wasm backend with the wasm-simd kernels, as the CLI runs it; `pnpm bench --no-simd` measures
 * the stock kernels instead. Benchmarks that compare kernel sets (wasm-*) manage their own.
 */
export async function startBenchEngine(ctx: Pick<BenchContext, 'simd'>): Promise<void> {
  await initBackend({ backend: 'wasm', accelerator: ctx.simd ? wasmSimd() : undefined });
}
