import { ADAM_UPDATE } from '@synaptogen/contracts';
import type * as tf from '@tensorflow/tfjs-core';
import { backendIO, checkFloat32, finiteAttrs } from './backend-io.js';
import type { HeapKernelsProvider } from './heap-instance.js';
import type { KernelInstance } from './runtime.js';
import { type Job, splitRange } from './worker-pool.js';

/**
 * Kernel name of the fused Adam step (`@synaptogen/nn`'s Adam runs it when registered): inputs
 * `{ g, m, v }` and, for attrs.mode 'update', `p`; attrs `{ beta1, beta2, eps, stepSize, sqrtBc2,
 * mode }`. Outputs `[m', v', r]` with m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g²,
 * d = stepSize · m' / (√v' / sqrtBc2 + ε), and r = d ('direction') or p − d ('update').
 * One pass instead of 13 element-wise tfjs ops (each a pass over the parameter, with its own
 * dispatch), with the same float32 roundings in the same order, so the results are bit-identical.
 */
export { ADAM_UPDATE };

export interface AdamAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** √(1 − β2ᵗ) */
  sqrtBc2: number;
  mode: 'direction' | 'update';
}

// Below this many elements per thread, waking a worker costs more than it saves.
const MIN_ELEMENTS_PER_THREAD = 1 << 17;

/** The Adam moment constants as float32, in the order adamRange and gradrRange take them. */
export function momentScalars(attrs: Omit<AdamAttrs, 'mode'>): number[] {
  const f = Math.fround;
  return [
    f(attrs.beta1),
    f(1 - attrs.beta1),
    f(attrs.beta2),
    f(1 - attrs.beta2),
    f(attrs.eps),
    f(attrs.stepSize),
    f(attrs.sqrtBc2),
  ];
}

/** adamRange's trailing arguments (after the pointers and the range). */
function adamScalars(attrs: Omit<AdamAttrs, 'mode'>, update: boolean): number[] {
  return [...momentScalars(attrs), update ? 1 : 0];
}

/**
 * The fused Adam step on the kernel instance (128-bit SIMD; float32 ×, +, ÷ and √ round as tfjs'
 * element-wise ops round them). `p` null: r = direction; else r = p − direction.
 */
export function adamUpdate(
  k: KernelInstance,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  p: Float32Array | null,
  attrs: Omit<AdamAttrs, 'mode'>,
  out: { m: Float32Array; v: Float32Array; r: Float32Array },
): void {
  const n = g.length;
  for (const [name, a] of [
    ['m', m],
    ['v', v],
    ['p', p],
    ['out.m', out.m],
    ['out.v', out.v],
    ['out.r', out.r],
  ] as const) {
    if (a && a.length !== n) throw new Error(`adamUpdate: ${name} has ${a.length} elements, g has ${n}`);
  }
  k.reset();
  const gp = k.put(g);
  const mp = k.put(m);
  const vp = k.put(v);
  const pp = p ? k.put(p) : 0;
  const r = p ? pp : gp; // in place: each element is read before it is written
  const scalars = adamScalars(attrs, p !== null);
  const threads = Math.max(1, Math.min(k.threads, Math.floor(n / MIN_ELEMENTS_PER_THREAD)));
  const jobs: Job[] = splitRange(n, threads).map(([i0, i1]) => ({
    fn: 'adamRange',
    args: [gp, mp, vp, pp, mp, vp, r, i0, i1, ...scalars],
  }));
  if (jobs.length) k.parallel(jobs);
  out.m.set(k.f32(mp, n));
  out.v.set(k.f32(vp, n));
  out.r.set(k.f32(r, n));
}

function attrsOf(a: tf.NamedAttrMap | undefined, what: string): AdamAttrs {
  const numbers = finiteAttrs(a, ['beta1', 'beta2', 'eps', 'stepSize', 'sqrtBc2'] as const, what);
  const mode = a?.mode;
  if (mode === 'direction' || mode === 'update') return { ...numbers, mode: mode as AdamAttrs['mode'] };
  throw new Error(`${what}: attrs.mode must be 'direction' or 'update', got ${String(mode)}`);
}

/**
 * The fused Adam kernel for a backend (wasm, and cpu as the reference); on tfjs wasm it runs in
 * place on the tensors (`heapFor`), one thread, no copies.
 */
export function adamKernelConfigs(
  backendName: string,
  k: KernelInstance,
  heapFor: HeapKernelsProvider,
): tf.KernelConfig[] {
  return [
    {
      kernelName: ADAM_UPDATE,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const what = 'Adam update';
        const a = attrsOf(attrs, what);
        const { g, m, v, p } = inputs as Record<'g' | 'm' | 'v' | 'p', tf.TensorInfo | undefined>;
        if (!g || !m || !v) throw new Error(`${what}: inputs g, m and v are required`);
        if (a.mode === 'update' && !p) throw new Error(`${what}: mode 'update' needs input p`);
        const size = g.shape.reduce((x, y) => x * y, 1);
        for (const [name, t] of [
          ['g', g],
          ['m', m],
          ['v', v],
          ['p', a.mode === 'update' ? p : undefined],
        ] as const) {
          if (!t) continue;
          checkFloat32(t, name, what);
          const s = t.shape.reduce((x, y) => x * y, 1);
          if (s !== size) throw new Error(`${what}: ${name} has ${s} elements, g has ${size}`);
        }
        const update = a.mode === 'update' && p ? p : null;
        const heap = heapFor(backend);
        if (heap) {
          const [gp, mp, vp, pp] = [heap.ptr(g), heap.ptr(m), heap.ptr(v), update ? heap.ptr(update) : 0];
          const [mo, vo, r] = [heap.output(g.shape), heap.output(g.shape), heap.output(g.shape)];
          const scalars = adamScalars(a, update !== null);
          heap.exports.adamRange(gp, mp, vp, pp, mo.ptr, vo.ptr, r.ptr, 0, size, ...scalars);
          return [mo.info, vo.info, r.info];
        }
        const io = backendIO(backend, what);
        return io.outputs([g.shape, g.shape, g.shape], ([mo, vo, r]) => {
          adamUpdate(k, io.read(g), io.read(m), io.read(v), update ? io.read(update) : null, a, {
            m: mo,
            v: vo,
            r,
          });
        });
      },
    },
  ];
}
