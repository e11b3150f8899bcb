import { type KernelInstance, loadKernels } from '@synaptogen/wasm-simd';
import { type ConvGeometry, conv2dBackpropFilter, conv2dBackpropInput } from '@synaptogen/wasm-simd/kernels';
import type { Benchmark, BenchRecord } from '../record.js';
import { timeWindow } from './wasm-common.js';
import { engineThreads, simdPeak } from './wasm-peer-common.js';

/** sca-vgg-small's conv layers as one T·B = 4·32 batch (3×3, pad 1). */
const VGG_CONVS = [
  { name: 'conv2 32x32 64->128', hw: 32, ci: 64, co: 128 },
  { name: 'conv3 16x16 128->256', hw: 16, ci: 128, co: 256 },
  { name: 'conv4 8x8 256->256', hw: 8, ci: 256, co: 256 },
];

type Route = 'gemm' | 'winograd';
type KernelRates = Record<'filter' | 'input', Record<Route, number>>;

/**
 * GFLOP/s of the dense conv gradient kernels on those shapes (2 flops per multiply-add of the direct
 * conv): the im2col GEMM (real flops, comparable with the SIMD peak) and Winograd F(2×2, 3×3), which
 * does 2.25× fewer multiply-adds, so its figure is dense-equivalent and may exceed the peak.
 */
function kernelGflops(k: KernelInstance, batch: number): ({ name: string } & KernelRates)[] {
  return VGG_CONVS.map((c) => {
    const g: ConvGeometry = {
      batch,
      inH: c.hw,
      inW: c.hw,
      inC: c.ci,
      outH: c.hw,
      outW: c.hw,
      outC: c.co,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      padTop: 1,
      padLeft: 1,
    };
    const x = new Float32Array(batch * c.hw * c.hw * c.ci).map((_, i) => Math.sin(i));
    const dy = new Float32Array(batch * c.hw * c.hw * c.co).map((_, i) => Math.cos(i));
    const w = new Float32Array(9 * c.ci * c.co).map((_, i) => Math.sin(i * 0.7));
    const flops = 2 * batch * c.hw * c.hw * 9 * c.ci * c.co;
    const rate = (run: () => unknown) => {
      run();
      return flops / timeWindow(run, 2) / 1e9;
    };
    const rates = (winograd: boolean) => ({
      filter: rate(() => conv2dBackpropFilter(k, x, dy, g, undefined, { winograd })),
      input: rate(() => conv2dBackpropInput(k, dy, w, g, undefined, { winograd })),
    });
    const gemm = rates(false);
    const wino = rates(true);
    return {
      name: c.name,
      filter: { gemm: gemm.filter, winograd: wino.filter },
      input: { gemm: gemm.input, winograd: wino.input },
    };
  });
}

/**
 * The dense conv gradient kernels on sca-vgg-small's 3×3 layers (T·B = 4·32): the im2col GEMM as a
 * fraction of the SIMD peak, and Winograd F(2×2, 3×3) in dense-equivalent GFLOP/s.
 */
export const wasmConvKernels: Benchmark = {
  name: 'wasm-conv-kernels',
  description:
    "conv filter and input gradient kernels on sca-vgg-small's 3x3 layers: im2col GEMM GFLOP/s vs the SIMD peak, Winograd",
  async run(ctx) {
    const threads = await engineThreads();
    const peak = await simdPeak(ctx, threads);
    const k = await loadKernels({ threads });
    const records: BenchRecord[] = [];
    for (const r of kernelGflops(k, 4 * 32)) {
      for (const kind of ['filter', 'input'] as const) {
        records.push({
          benchmark: 'wasm-conv-kernels',
          metric: `kernel ${kind} gradient ${r.name}`,
          value: r[kind].gemm,
          unit: 'GFLOP/s',
          config: {
            batch: 128,
            route: 'im2col GEMM',
            simdPeakGflops: peak.gflops,
            fractionOfPeak: r[kind].gemm / peak.gflops,
          },
        });
        records.push({
          benchmark: 'wasm-conv-kernels',
          metric: `kernel ${kind} gradient ${r.name} winograd`,
          value: r[kind].winograd,
          unit: 'dense-equivalent GFLOP/s',
          config: {
            batch: 128,
            route: 'Winograd F(2x2,3x3)',
            speedupOverGemm: r[kind].winograd / r[kind].gemm,
          },
        });
      }
      ctx.log(
        `${r.name}: im2col GEMM filter gradient ${r.filter.gemm.toFixed(1)}, input gradient ${r.input.gemm.toFixed(1)} GFLOP/s; ` +
          `Winograd ${r.filter.winograd.toFixed(1)}, ${r.input.winograd.toFixed(1)} dense-equivalent GFLOP/s`,
      );
    }
    return records;
  },
};
