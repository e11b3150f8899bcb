import * as tf from '@tensorflow/tfjs-core';
import type { SpikingModel } from '../models/spiking-model.js';
import { Rng } from '../rng.js';
import { type LossFn, lossByName } from './loss.js';

/**
 * Tensor memory one training step needs: the peak of live tensor bytes (weights, activations, the
 * BPTT tape and gradients) grows linearly with the batch, `fixed + perSample · batchSize`.
 */
export interface StepMemoryEstimate {
  batchSize: number;
  /** Estimated peak bytes of one training step at `batchSize`. */
  bytes: number;
  perSample: number;
  fixed: number;
}

/**
 * Heap tfjs-backend-wasm 4.22 can use safely: its JavaScript glue reads heap offsets as signed 32-bit
 * numbers, so a tensor placed above 2 GiB fails ("Start offset -1823144320 is outside the bounds of
 * the buffer", "memory access out of bounds"), although the wasm memory may grow to 4 GiB.
 */
export const WASM_HEAP_LIMIT = 2 ** 31;

export interface StepMemoryOptions {
  loss?: LossFn | string;
  /** 'train' (default): forward and backward; 'eval': an evaluation-mode forward pass (no tape). */
  mode?: 'train' | 'eval';
}

/**
 * Peak memory of one training step (or evaluation forward pass) on `batchSize` seeded random samples:
 * on wasm the live bytes of tfjs' heap at the peak (shared buffers counted once), elsewhere tfjs'
 * tensor byte count (`tf.profile`). The model's weights are not changed.
 */
export async function measureStepMemory(
  model: SpikingModel,
  batchSize: number,
  options: StepMemoryOptions = {},
): Promise<number> {
  const loss =
    typeof options.loss === 'function' ? options.loss : lossByName(options.loss ?? model.config.loss);
  const vars = model.namedParameters().flatMap(([, v]) => (v.trainable ? [v] : []));
  const step = () =>
    tf.tidy(() => {
      const x = probeInput(model, batchSize);
      if (options.mode === 'eval') {
        model.eval();
        model.forward(x, { training: false });
        return;
      }
      model.train(true);
      const y = tf.tensor1d(new Int32Array(batchSize), 'int32');
      const { value, grads } = tf.variableGrads(
        () => loss(model.forward(x, { training: true }), y, model.config.classes),
        vars,
      );
      tf.dispose([value, ...Object.values(grads)]);
    });
  const wasTraining = model.training;
  try {
    const heap = wasmHeap();
    if (!heap) return (await tf.profile(step)).peakBytes;
    const stop = heap.track();
    let peak: number;
    try {
      step();
    } finally {
      peak = stop();
    }
    return tf.memory().numBytes + peak;
  } finally {
    model.resetState();
    model.train(wasTraining);
  }
}

/**
 * Measures the peak memory (`measureStepMemory`) at batch sizes 1 and 2 (after a warm-up step) and
 * extrapolates linearly to `batchSize`. Costs three small steps. Run it before training to refuse a run that cannot fit, instead
 * of crashing in it.
 */
export async function estimateStepMemory(
  model: SpikingModel,
  options: StepMemoryOptions & { batchSize: number },
): Promise<StepMemoryEstimate> {
  await measureStepMemory(model, 1, options); // first use: kernels' one-time allocations
  const one = await measureStepMemory(model, 1, options);
  const two = await measureStepMemory(model, 2, options);
  const perSample = Math.max(0, two - one);
  const fixed = Math.max(0, one - perSample);
  return { batchSize: options.batchSize, bytes: fixed + perSample * options.batchSize, perSample, fixed };
}

/** A random input batch of `n` samples in the model's layout (time-major for event frames). */
function probeInput(model: SpikingModel, n: number): tf.Tensor {
  const s = model.config.inputShape;
  const shape = s.length === 4 ? [s[0], n, ...s.slice(1)] : [n, ...s];
  const rng = new Rng(1);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => rng.next()),
    shape,
    'float32',
  );
}

interface WasmModuleLike {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPU8?: Uint8Array;
}

/**
 * Size of tfjs-backend-wasm's memory now, or null off wasm. wasm memory grows and never shrinks, so
 * this is the most the process has needed so far (the figure to hold against WASM_HEAP_LIMIT).
 */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as { wasm?: WasmModuleLike }).wasm;
  return wasm?.HEAPU8?.buffer.byteLength ?? null;
}

/**
 * tfjs-backend-wasm's allocator, when the wasm backend runs: `track()` counts the bytes malloc'ed
 * and not yet freed until the returned `stop()`, which gives their peak. tfjs' own tensor byte count
 * would count a buffer twice when kernels share it (copy-free Identity, in-place kernels).
 */
function wasmHeap(): { track(): () => number } | null {
  const wasm = (tf.backend() as unknown as { wasm?: WasmModuleLike }).wasm;
  if (tf.getBackend() !== 'wasm' || typeof wasm?._malloc !== 'function') return null;
  return {
    track() {
      const { _malloc: malloc, _free: free } = wasm;
      const sizes = new Map<number, number>();
      let live = 0;
      let peak = 0;
      wasm._malloc = (bytes: number) => {
        const ptr = malloc(bytes);
        sizes.set(ptr >>> 0, bytes);
        live += bytes;
        if (live > peak) peak = live;
        return ptr;
      };
      wasm._free = (ptr: number) => {
        const bytes = sizes.get(ptr >>> 0);
        if (bytes !== undefined) {
          live -= bytes;
          sizes.delete(ptr >>> 0);
        }
        free(ptr);
      };
      return () => {
        wasm._malloc = malloc;
        wasm._free = free;
        return peak;
      };
    },
  };
}
