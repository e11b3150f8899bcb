import { MAXPOOL_GRAD_FIRST_MAX } from '@synaptogen/contracts';
import type * as tf from '@tensorflow/tfjs-core';
import { backendIO, checkFloat32 } from './backend-io.js';
import type { KernelInstance } from './runtime.js';

/**
 * Kernel name of the first-maximum max-pool gradient: inputs `{ dy, x }` (NHWC), attrs
 * `{ filterSize, strides }` (numbers; no padding), output dx shaped like x. `@synaptogen/nn`'s
 * max-pool layer can run it (when registered) instead of its composite of generic ops.
 */
export const MAXPOOL_GRAD_FIRST = MAXPOOL_GRAD_FIRST_MAX;

export interface PoolGeometry {
  batch: number;
  inH: number;
  inW: number;
  channels: number;
  /** Window size (square). */
  size: number;
  stride: number;
}

// Below this many input elements per thread, waking a worker costs more than it saves.
const MIN_ELEMENTS_PER_THREAD = 1 << 17;

/**
 * Gradient of a k×k, stride-s 'valid' max pool on NHWC `x`: each window's dy goes to its first
 * maximum in row-major order (as PyTorch and tfjs' cpu backend do). Writes into `out` when given.
 */
export function maxPoolGradFirst(
  k: KernelInstance,
  x: Float32Array,
  dy: Float32Array,
  g: PoolGeometry,
  out?: Float32Array,
): Float32Array {
  const what = 'maxPoolGradFirst';
  for (const [key, v] of Object.entries(g)) {
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`${what}: geometry.${key} must be a positive integer, got ${v}`);
  }
  const oh = Math.floor((g.inH - g.size) / g.stride) + 1;
  const ow = Math.floor((g.inW - g.size) / g.stride) + 1;
  if (oh < 1 || ow < 1)
    throw new Error(`${what}: window ${g.size} is larger than the input ${g.inH}×${g.inW}`);
  const xLen = g.batch * g.inH * g.inW * g.channels;
  if (x.length !== xLen) throw new Error(`${what}: x has ${x.length} elements, expected ${xLen}`);
  const dyLen = g.batch * oh * ow * g.channels;
  if (dy.length !== dyLen) throw new Error(`${what}: dy has ${dy.length} elements, expected ${dyLen}`);
  const result = out ?? new Float32Array(xLen);
  if (result.length !== xLen) throw new Error(`${what}: out has ${result.length} elements, expected ${xLen}`);
  k.reset();
  const xPtr = k.put(x);
  const dyPtr = k.put(dy);
  const dxPtr = k.alloc(xLen);
  const threads = Math.max(1, Math.min(k.threads, g.batch, Math.floor(xLen / MIN_ELEMENTS_PER_THREAD)));
  const per = Math.ceil(g.batch / threads);
  const jobs = [];
  for (let t = 0; t < threads; t++) {
    const n0 = Math.min(g.batch, t * per);
    const n1 = Math.min(g.batch, n0 + per);
    jobs.push({
      fn: 'maxPoolGradFirstRange' as const,
      args: [xPtr, dyPtr, dxPtr, n0, n1, g.inH, g.inW, g.channels, oh, ow, g.size, g.stride],
    });
  }
  k.parallel(jobs);
  result.set(k.f32(dxPtr, xLen));
  return result;
}

function positiveInt(v: unknown, name: string, what: string): number {
  const n = Array.isArray(v) ? v[0] : v;
  if (Array.isArray(v) && v.some((e) => e !== n))
    throw new Error(`${what}: ${name} must be square, got [${v.join(', ')}]`);
  if (!Number.isInteger(n) || (n as number) < 1)
    throw new Error(`${what}: ${name} must be a positive integer, got ${v}`);
  return n as number;
}

export function poolKernelConfigs(backendName: string, k: KernelInstance): tf.KernelConfig[] {
  return [
    {
      kernelName: MAXPOOL_GRAD_FIRST,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const what = 'wasm-simd MaxPoolGradFirstMax';
        const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
        checkFloat32(dy, 'dy', what);
        checkFloat32(x, 'x', what);
        if (x.shape.length !== 4) throw new Error(`${what}: x must be NHWC (rank 4), got [${x.shape}]`);
        const [batch, inH, inW, channels] = x.shape;
        const g: PoolGeometry = {
          batch,
          inH,
          inW,
          channels,
          size: positiveInt(attrs?.filterSize, 'filterSize', what),
          stride: positiveInt(attrs?.strides, 'strides', what),
        };
        const io = backendIO(backend, what);
        const [dx] = io.outputs([x.shape], ([dxView]) => {
          maxPoolGradFirst(k, io.read(x), io.read(dy), g, dxView);
        });
        return dx;
      },
    },
  ];
}
