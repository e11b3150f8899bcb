import { Adam, createModel, initBackend, Trainer } from '@synaptogen/nn';
import { useWasmSimd, type WasmSimdKernelName, type WasmSimdRegistration } from '@synaptogen/wasm-simd';
import * as tf from '@tensorflow/tfjs-core';
import { Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import type { Benchmark, BenchRecord } from '../record.js';
import { alternate, realBatch } from './wasm-common.js';

const T = 4;
const BATCH = 64;

/**
 * conv-small training step (forward + BPTT + Adam, T = 4, batch 64) with @synaptogen/wasm-simd's
 * kernels vs the best stock tfjs-wasm route (nn's conv2dRouted: both conv gradients as forward
 * convolutions), the two alternated window by window on the same model and batch.
 */
export const wasmConvStep: Benchmark = {
  name: 'wasm-conv-step',
  description:
    'conv-small training step (T=4, batch 64): wasm-simd kernels vs the best stock tfjs-wasm route',
  async run(ctx) {
    await initBackend({ backend: 'wasm' });
    const batch = await realBatch('cifar10', BATCH, ctx.dataRoot);
    const model = createModel('conv-small', { T, seed: 0 });
    const optimizer = new Adam(new Map(model.namedParameters()), { lr: 1e-3 });
    const trainer = new Trainer({ model, optimizer });
    const steps = ctx.quick ? 2 : 5;
    const windows = ctx.quick ? 2 : 4;
    const step = () => {
      trainer.trainStep(batch);
    };
    // Stock = none of our kernels: nn's conv2dTrainable then takes its forward-conv route and the
    // neurons their fused tfjs-op path. 'conv' = our conv kernels only (gradients, spike forward);
    // 'all' = what useWasmSimd() installs by default (recorded in the config): adds the fused neuron
    // kernels, the first-max max-pool gradient, the batch norm pair, the fused Adam step and
    // copy-free Identity / Slice / GreaterEqual (tfjs clones every tensor it saves for a gradient
    // through Identity; stock wasm Slice copies its whole input first).
    let reg: WasmSimdRegistration | null = null;
    let threads = 1;
    let allKernels: string[] = [];
    const use = (kernels: readonly WasmSimdKernelName[] | 'default' | null) => async () => {
      reg?.unregister();
      reg = kernels === null ? null : await useWasmSimd(kernels === 'default' ? {} : { kernels });
      if (reg) threads = reg.threads;
      if (kernels === 'default' && reg) allKernels = [...reg.kernels];
    };
    const variants = {
      stock: { before: use(null), fn: step },
      'wasm-simd-conv': { before: use([Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput]), fn: step },
      'wasm-simd-all': { before: use('default'), fn: step },
    } as Record<string, { before: () => Promise<void>; fn: () => void }>;
    // A variant that cannot run (e.g. a missing gradient elsewhere) is reported, not fatal.
    const skipped: Record<string, string> = {};
    for (const [name, v] of Object.entries(variants)) {
      try {
        await v.before();
        v.fn();
      } catch (err) {
        skipped[name] = (err as Error).message;
        delete variants[name];
        ctx.log(`${name}: skipped, ${(err as Error).message}`);
      }
    }
    const r = await alternate(variants, steps, windows);
    await use(null)();
    model.dispose();
    optimizer.dispose();
    tf.disposeVariables();
    const records: BenchRecord[] = [];
    const config = {
      model: 'conv-small',
      T,
      batch: BATCH,
      stepsPerWindow: steps,
      windows,
      threads,
      allKernels,
      skipped,
    };
    for (const [name, v] of Object.entries(r)) {
      records.push({
        benchmark: 'wasm-conv-step',
        metric: `conv-small/${name}`,
        value: BATCH / v.median,
        unit: 'samples/s',
        config: { ...config, secondsPerStep: v.windows },
      });
      ctx.log(
        `conv-small ${name}: ${(v.median * 1000).toFixed(1)} ms/step (${(BATCH / v.median).toFixed(1)} samples/s)`,
      );
    }
    for (const name of ['wasm-simd-conv', 'wasm-simd-all']) {
      if (!r[name] || !r.stock) continue;
      const ratio = r.stock.median / r[name].median;
      records.push({
        benchmark: 'wasm-conv-step',
        metric: `speedup ${name} / stock`,
        value: ratio,
        unit: 'x',
        config: { ...config, goal: 3 },
      });
      ctx.log(`${name}: ${ratio.toFixed(2)}x the best stock route (goal >= 3x)`);
    }
    return records;
  },
};
