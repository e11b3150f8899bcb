import { GRADR_UPDATE } from '@synaptogen/contracts';
import type * as tf from '@tensorflow/tfjs-core';
import { momentScalars } from './adam.js';
import { backendIO, checkFloat32, finiteAttrs } from './backend-io.js';
import type { HeapKernelsProvider } from './heap-instance.js';
import type { KernelInstance } from './runtime.js';
import { type Job, splitRange } from './worker-pool.js';

/**
 * Kernel name of the fused Grad R step (`@synaptogen/structure`'s GradR runs it when registered):
 * inputs `{ g, sign, m, v, theta }` (g = ∂L/∂w), attrs `{ beta1, beta2, eps, stepSize, sqrtBc2, prior, mu }`.
 * Outputs `[m', v', θ', w', counts]`:
 *
 *     m' = β1·m + (1−β1)·s·g ; v' = β2·v + (1−β2)·(s·g)²
 *     θ' = θ − stepSize·m' / (√v' / sqrtBc2 + ε) − prior·sign(θ − μ)
 *     w' = s·ReLU(θ') ; counts = [#(θ > 0, θ' ≤ 0), #(θ ≤ 0, θ' > 0)]   (float32 [2])
 *
 * One pass over the parameter instead of ~20 element-wise tfjs ops, with the same float32 roundings
 * in the same order, so θ, w and the moments are bit-identical to the op-by-op path.
 */
export { GRADR_UPDATE };

export interface GradRAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** √(1 − β2ᵗ) */
  sqrtBc2: number;
  /** α times the prior's step size (η_t or lr) */
  prior: number;
  /** Centre μ of the Laplace prior. */
  mu: number;
}

// Below this many elements per thread, waking a worker costs more than it saves.
const MIN_ELEMENTS_PER_THREAD = 1 << 17;
const ATTRS = ['beta1', 'beta2', 'eps', 'stepSize', 'sqrtBc2', 'prior', 'mu'] as const;

/** gradrRange's trailing arguments (after the pointers and the range). */
function gradrScalars(attrs: GradRAttrs): number[] {
  return [...momentScalars(attrs), Math.fround(attrs.prior), Math.fround(attrs.mu)];
}

/** The fused Grad R step on the kernel instance; returns [pruned, regrown]. */
export function gradrUpdate(
  k: KernelInstance,
  inputs: { g: Float32Array; sign: Float32Array; m: Float32Array; v: Float32Array; theta: Float32Array },
  attrs: GradRAttrs,
  out: { m: Float32Array; v: Float32Array; theta: Float32Array; w: Float32Array },
): [number, number] {
  const n = inputs.g.length;
  for (const [name, a] of [
    ...Object.entries(inputs),
    ...Object.entries(out).map(([k, a]) => [`out.${k}`, a]),
  ]) {
    if ((a as Float32Array).length !== n)
      throw new Error(`gradrUpdate: ${name} has ${(a as Float32Array).length} elements, g has ${n}`);
  }
  const threads = Math.max(1, Math.min(k.threads, Math.floor(n / MIN_ELEMENTS_PER_THREAD)));
  const ranges = splitRange(n, threads);
  k.reset();
  const gp = k.put(inputs.g);
  const sp = k.put(inputs.sign);
  const mp = k.put(inputs.m);
  const vp = k.put(inputs.v);
  const tp = k.put(inputs.theta);
  const wp = k.alloc(n);
  const counts = k.alloc(2 * Math.max(1, ranges.length));
  const scalars = gradrScalars(attrs);
  const jobs: Job[] = ranges.map(([i0, i1], j) => ({
    fn: 'gradrRange',
    args: [gp, sp, mp, vp, tp, mp, vp, tp, wp, counts + 8 * j, i0, i1, ...scalars],
  }));
  if (jobs.length) k.parallel(jobs);
  out.m.set(k.f32(mp, n));
  out.v.set(k.f32(vp, n));
  out.theta.set(k.f32(tp, n));
  out.w.set(k.f32(wp, n));
  const c = new Int32Array(k.memory.buffer, counts, 2 * jobs.length);
  let pruned = 0;
  let regrown = 0;
  for (let j = 0; j < jobs.length; j++) {
    pruned += c[2 * j];
    regrown += c[2 * j + 1];
  }
  return [pruned, regrown];
}

/**
 * The fused Grad R kernel for a backend (wasm, and cpu as the reference); on tfjs wasm it runs in
 * place on the tensors (`heapFor`), one thread, no copies.
 */
export function gradrKernelConfigs(
  backendName: string,
  k: KernelInstance,
  heapFor: HeapKernelsProvider,
): tf.KernelConfig[] {
  return [
    {
      kernelName: GRADR_UPDATE,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const what = 'Grad R update';
        const a: GradRAttrs = finiteAttrs(attrs, ATTRS, what);
        const t = inputs as Record<'g' | 'sign' | 'm' | 'v' | 'theta', tf.TensorInfo | undefined>;
        const names = ['g', 'sign', 'm', 'v', 'theta'] as const;
        const size = (info: tf.TensorInfo) => info.shape.reduce((x, y) => x * y, 1);
        for (const name of names) {
          const info = t[name];
          if (!info) throw new Error(`${what}: input ${name} is required`);
          checkFloat32(info, name, what);
          if (size(info) !== size(t.g!))
            throw new Error(`${what}: ${name} has ${size(info)} elements, g has ${size(t.g!)}`);
        }
        const shape = t.g!.shape;
        const heap = heapFor(backend);
        if (heap) {
          const ins = names.map((name) => heap.ptr(t[name]!));
          const [m, v, theta, w] = [shape, shape, shape, shape].map((s) => heap.output(s));
          const counts = heap.output([2]);
          const n = size(t.g!);
          heap.withScratch(2, 0, (c) => {
            heap.exports.gradrRange(...ins, m.ptr, v.ptr, theta.ptr, w.ptr, c, 0, n, ...gradrScalars(a));
            const [pruned, regrown] = new Int32Array(heap.f32(c, 2).buffer, c, 2);
            heap.f32(counts.ptr, 2).set([pruned, regrown]);
          });
          return [m.info, v.info, theta.info, w.info, counts.info];
        }
        const io = backendIO(backend, what);
        return io.outputs([shape, shape, shape, shape, [2]], ([m, v, theta, w, counts]) => {
          const [pruned, regrown] = gradrUpdate(
            k,
            {
              g: io.read(t.g!),
              sign: io.read(t.sign!),
              m: io.read(t.m!),
              v: io.read(t.v!),
              theta: io.read(t.theta!),
            },
            a,
            { m, v, theta, w },
          );
          counts[0] = pruned;
          counts[1] = regrown;
        });
      },
    },
  ];
}
