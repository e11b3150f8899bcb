import { initBackend } from '@synaptogen/nn';
import type { Benchmark } from '../record.js';
import { machineInfo } from './wasm-common.js';
import { engineThreads, simdPeak } from './wasm-peer-common.js';

/** The machine's measured 128-bit wasm SIMD peak, beside the nominal ceilings of its clock. */
export const wasmSimdPeak: Benchmark = {
  name: 'wasm-simd-peak',
  description: '128-bit wasm SIMD peak (mul+add) in GFLOP/s, per thread and on the engine threads',
  async run(ctx) {
    await initBackend({ backend: 'wasm' });
    const machine = machineInfo();
    const peak = await simdPeak(ctx, await engineThreads());
    ctx.log(
      `128-bit wasm SIMD peak (mul+add): ${peak.gflopsPerThread.toFixed(1)} GFLOP/s per thread, ${peak.gflops.toFixed(1)} on ${peak.threads} threads`,
    );
    return [
      {
        benchmark: 'wasm-simd-peak',
        metric: 'wasm SIMD-128 peak',
        value: peak.gflops,
        unit: 'GFLOP/s',
        // Nominal ceilings from the clock, assuming 2 f32x4 multiplies + 2 f32x4 adds per cycle (wasm SIMD
        // has no FMA) and, for native code on this CPU, 2 AVX-512 FMAs per cycle.
        config: {
          ...peak,
          ...machine,
          nominalWasmSimd128Gflops: machine.ghz ? machine.ghz * 16 * machine.cores : null,
          nominalAvx512FmaGflops: machine.ghz && machine.avx512 ? machine.ghz * 64 * machine.cores : null,
        },
      },
    ];
  },
};
