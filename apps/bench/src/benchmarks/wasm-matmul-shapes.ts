import { initBackend } from '@synaptogen/nn';
import { useWasmSimd, type WasmSimdRegistration } from '@synaptogen/wasm-simd';
import * as tf from '@tensorflow/tfjs-core';
import { type BenchContext, type Benchmark, type BenchRecord, median } from '../record.js';
import { realBatch, timeWindow } from './wasm-common.js';
import { engineThreads } from './wasm-peer-common.js';

/** A uniform [0, 1) tensor with about `density` of its entries nonzero (1 = dense); seeded. */
function randomOperand(shape: [number, number], seed: number, density = 1, binary = false): tf.Tensor2D {
  let st = seed >>> 0;
  const next = () => {
    st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
    return st / 2 ** 32;
  };
  const v = new Float32Array(shape[0] * shape[1]);
  for (let i = 0; i < v.length; i++) {
    const u = next();
    v[i] = u < density ? (binary ? 1 : next()) : 0;
  }
  return tf.tensor2d(v, shape);
}

/**
 * gradr-mnist-mlp's five products per training step (batch 128, T = 8), stock tfjs-wasm BatchMatMul
 * vs ours, alternated window by window (the registration is toggled): on a real MNIST batch (~19% of
 * pixels nonzero) with binary spikes at 10%, and on dense uniform operands (our GEMM path).
 */
async function matMulShapes(ctx: BenchContext, threads: number): Promise<BenchRecord[]> {
  const batch = await realBatch('mnist', 128, ctx.dataRoot);
  const inputs: Record<string, tf.Tensor2D> = {
    'x (MNIST)': tf.tensor2d(batch.inputs, [128, 784]),
    'x (dense)': randomOperand([128, 784], 1),
    's (spikes 10%)': randomOperand([1024, 800], 2, 0.1, true),
    's (dense)': randomOperand([1024, 800], 3),
  };
  const w1 = randomOperand([784, 800], 4);
  const dh = randomOperand([128, 800], 5);
  const w2 = randomOperand([800, 10], 6);
  const dy = randomOperand([1024, 10], 7);
  const cases: { name: string; a: tf.Tensor2D; b: tf.Tensor2D; ta: boolean; tb: boolean }[] = [];
  for (const x of ['x (MNIST)', 'x (dense)']) {
    cases.push({ name: `${x}·W1 [128×784]·[784×800]`, a: inputs[x], b: w1, ta: false, tb: false });
    cases.push({ name: `${x}ᵀ·dH (dW1) [784×128]·[128×800]`, a: inputs[x], b: dh, ta: true, tb: false });
  }
  for (const sp of ['s (spikes 10%)', 's (dense)']) {
    cases.push({ name: `${sp}·W2 [1024×800]·[800×10]`, a: inputs[sp], b: w2, ta: false, tb: false });
    cases.push({ name: `${sp}ᵀ·dY (dW2) [800×1024]·[1024×10]`, a: inputs[sp], b: dy, ta: true, tb: false });
  }
  cases.push({ name: 'dY·W2ᵀ (dS) [1024×10]·[10×800], dY dense', a: dy, b: w2, ta: false, tb: true });
  const ms = new Map<string, { ours: number[]; stock: number[] }>(
    cases.map((c) => [c.name, { ours: [], stock: [] }]),
  );
  const time = (c: (typeof cases)[number]) => {
    tf.matMul(c.a, c.b, c.ta, c.tb).dispose(); // warm-up
    return 1000 * timeWindow(() => tf.matMul(c.a, c.b, c.ta, c.tb).dataSync(), ctx.quick ? 3 : 6);
  };
  let reg: WasmSimdRegistration | null = null;
  for (let w = 0; w < (ctx.quick ? 2 : 3); w++) {
    for (const side of ['ours', 'stock'] as const) {
      if (side === 'ours') reg = await useWasmSimd({ threads });
      for (const c of cases) ms.get(c.name)?.[side].push(time(c));
      if (side === 'ours') reg?.unregister();
    }
  }
  tf.dispose([...Object.values(inputs), w1, dh, w2, dy]);
  return cases.map((c) => {
    const t = ms.get(c.name) as { ours: number[]; stock: number[] };
    const ours = median(t.ours);
    const stock = median(t.stock);
    const gflops = (millis: number) => (2 * c.a.size * (c.tb ? c.b.shape[0] : c.b.shape[1])) / millis / 1e6;
    ctx.log(
      `BatchMatMul ${c.name}: stock ${stock.toFixed(2)} ms (${gflops(stock).toFixed(1)} GFLOP/s), wasm-simd ${ours.toFixed(2)} ms (${gflops(ours).toFixed(1)} dense-equivalent GFLOP/s), ${(stock / ours).toFixed(1)}x`,
    );
    return {
      benchmark: 'wasm-matmul-shapes',
      metric: `BatchMatMul ${c.name} speed-up`,
      value: stock / ours,
      unit: 'x',
      config: {
        stockMs: stock,
        oursMs: ours,
        stockWindows: t.stock,
        oursWindows: t.ours,
        gflopsStock: gflops(stock),
        gflopsOurs: gflops(ours),
        threads,
      },
    };
  });
}

/** BatchMatMul, stock tfjs-wasm vs wasm-simd, on gradr-mnist-mlp's five products per training step. */
export const wasmMatMulShapes: Benchmark = {
  name: 'wasm-matmul-shapes',
  description:
    "BatchMatMul stock tfjs-wasm vs wasm-simd (alternated) on gradr-mnist-mlp's products: MNIST, spikes, dense",
  async run(ctx) {
    await initBackend({ backend: 'wasm' });
    return matMulShapes(ctx, await engineThreads());
  },
};
