// Shared by the wasm-* benchmarks (@synaptogen/wasm-simd): real batches, A/B timing, machine facts.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { loadDataset } from '@synaptogen/datasets/node';
import type { Batch } from '@synaptogen/nn';
import { median } from '../record.js';

/** `count` real training samples: MNIST pixels in [0, 1], CIFAR-10 normalised per channel. */
export async function realBatch(
  dataset: 'mnist' | 'cifar10',
  count: number,
  dataRoot: string,
  split: 'train' | 'test' = 'train',
): Promise<Batch> {
  const ds = await loadDataset(dataset, {
    dataDir: dataRoot,
    split,
    limit: count,
    allowMissingBatches: true,
  });
  if (ds.labels.length < count) {
    throw new Error(
      `bench: ${dataset} ${split} under ${dataRoot} has ${ds.labels.length} samples, need ${count}`,
    );
  }
  const chw = ds.channels * ds.height * ds.width;
  const inputs = new Float32Array(count * chw);
  const mean = ds.mean ?? [0, 0, 0];
  const std = ds.std ?? [1, 1, 1];
  const norm = ds.channels === 3;
  for (let i = 0; i < count * chw; i++) {
    const ch = Math.floor((i % chw) / (ds.height * ds.width));
    const v = (ds.images[i] as number) / 255;
    inputs[i] = norm ? (v - mean[ch]) / std[ch] : v;
  }
  return {
    inputs,
    shape: [count, ds.channels, ds.height, ds.width],
    labels: Array.from(ds.labels.slice(0, count)),
  };
}

/** Seconds per call of `fn`, one figure per window of `calls` calls. */
export function timeWindow(fn: () => void, calls: number): number {
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) fn();
  return (performance.now() - t0) / 1000 / calls;
}

/**
 * Alternates the variants window by window (A B A B ...) so that drift on this shared VM hits all
 * of them alike; returns the median seconds per call of each.
 */
export async function alternate(
  variants: Record<string, { before?: () => unknown; fn: () => void }>,
  calls: number,
  windows: number,
): Promise<Record<string, { median: number; windows: number[] }>> {
  const out: Record<string, { median: number; windows: number[] }> = {};
  for (const [name, v] of Object.entries(variants)) {
    await v.before?.();
    v.fn(); // warm-up: kernels compiled, buffers allocated
    out[name] = { median: 0, windows: [] };
  }
  for (let w = 0; w < windows; w++) {
    for (const [name, v] of Object.entries(variants)) {
      await v.before?.();
      out[name].windows.push(timeWindow(v.fn, calls));
    }
  }
  for (const r of Object.values(out)) r.median = median(r.windows);
  return out;
}

/** CPU facts for GFLOP/s context: model, cores, the clock /proc/cpuinfo reports. */
export function machineInfo(): { cpu: string; cores: number; ghz: number | null; avx512: boolean } {
  let ghz: number | null = null;
  let avx512 = false;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const mhz = info.match(/cpu MHz\s*:\s*([\d.]+)/);
    if (mhz) ghz = Number(mhz[1]) / 1000;
    avx512 = /\bavx512f\b/.test(info);
  } catch {
    // not Linux: no clock figure
  }
  return { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism(), ghz, avx512 };
}
