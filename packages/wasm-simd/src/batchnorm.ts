import { BATCHNORM_TRAIN, BATCHNORM_TRAIN_GRAD } from '@synaptogen/contracts';
import type * as tf from '@tensorflow/tfjs-core';
import { backendIO, checkFloat32 } from './backend-io.js';
import type { KernelInstance } from './runtime.js';

/**
 * Kernel names of training-mode batch normalisation over the last axis, the pair that
 * `@synaptogen/nn`'s `batchNormTrain` runs when registered (else its op-by-op composite):
 * - forward: inputs `{ x, gamma, beta }`, attrs `{ eps }` → `[y, xhat, mean, variance, invStd]`
 *   (mean and biased variance per channel; x̂ = (x − mean)·invStd, invStd = 1/√(variance + eps));
 * - backward: inputs `{ dy, xhat, invStd, gamma }` → `[dx, dGamma, dBeta]`.
 */
export const BATCHNORM_FORWARD = BATCHNORM_TRAIN;
export const BATCHNORM_BACKWARD = BATCHNORM_TRAIN_GRAD;

export interface BatchNormForwardResult {
  y: Float32Array;
  xhat: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  invStd: Float32Array;
}

export interface BatchNormBackwardResult {
  dx: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
}

// Memory-bound passes: a second thread pays only on large tensors.
const MIN_ELEMENTS_PER_THREAD = 1 << 17;

function rowRanges(k: KernelInstance, rows: number, C: number): [number, number][] {
  const threads = Math.max(1, Math.min(k.threads, rows, Math.floor((rows * C) / MIN_ELEMENTS_PER_THREAD)));
  const per = Math.ceil(rows / threads);
  const out: [number, number][] = [];
  for (let r0 = 0; r0 < rows; r0 += per) out.push([r0, Math.min(rows, r0 + per)]);
  return out;
}

function checkSizes(x: Float32Array, C: number, params: [string, Float32Array][], what: string): number {
  if (!Number.isInteger(C) || C < 1)
    throw new Error(`${what}: channels must be a positive integer, got ${C}`);
  if (x.length === 0 || x.length % C !== 0)
    throw new Error(`${what}: input length ${x.length} is not a positive multiple of ${C} channels`);
  for (const [name, p] of params) {
    if (p.length !== C) throw new Error(`${what}: ${name} has ${p.length} elements, expected ${C}`);
  }
  return x.length / C;
}

/** Per-channel f64 totals of the per-thread partials at `parts` (one [C] f64 block per range). */
function total(k: KernelInstance, parts: number, ranges: number, C: number): Float64Array {
  const all = new Float64Array(k.memory.buffer, parts, ranges * C);
  const sum = new Float64Array(C);
  for (let r = 0; r < ranges; r++) for (let c = 0; c < C; c++) sum[c] += all[r * C + c];
  return sum;
}

/**
 * Training-mode batch normalisation of `x` ([rows, C], channels last) with batch statistics:
 * y = x̂·gamma + beta, x̂ = (x − mean)/√(variance + eps). Sums accumulate in float64.
 */
export function batchNormForward(
  k: KernelInstance,
  x: Float32Array,
  C: number,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  out?: Partial<BatchNormForwardResult>,
): BatchNormForwardResult {
  const what = 'batchNormForward';
  const rows = checkSizes(
    x,
    C,
    [
      ['gamma', gamma],
      ['beta', beta],
    ],
    what,
  );
  if (!(eps >= 0)) throw new Error(`${what}: eps must be a non-negative number, got ${eps}`);
  const ranges = rowRanges(k, rows, C);
  k.reset();
  const xPtr = k.put(x);
  const xhatPtr = k.alloc(x.length);
  const yPtr = k.alloc(x.length);
  const params = k.alloc(4 * C); // mean, invStd, gamma, beta
  const parts = k.alloc(2 * C * ranges.length); // f64 partials per range
  const reduce = (meanPtr: number, squared: boolean) =>
    k.parallel(
      ranges.map(([r0, r1], i) => ({
        fn: 'bnReduceRange' as const,
        args: [xPtr, meanPtr, parts + i * C * 8, r0, r1, C, squared ? 1 : 0],
      })),
    );
  const mean = out?.mean ?? new Float32Array(C);
  const variance = out?.variance ?? new Float32Array(C);
  const invStd = out?.invStd ?? new Float32Array(C);
  reduce(0, false);
  const sums = total(k, parts, ranges.length, C);
  for (let c = 0; c < C; c++) mean[c] = sums[c] / rows;
  k.f32(params, C).set(mean);
  reduce(params, true);
  const sq = total(k, parts, ranges.length, C);
  for (let c = 0; c < C; c++) {
    variance[c] = sq[c] / rows;
    invStd[c] = 1 / Math.sqrt(Math.fround(variance[c] + eps));
  }
  const pv = k.f32(params, 4 * C);
  pv.set(invStd, C);
  pv.set(gamma, 2 * C);
  pv.set(beta, 3 * C);
  k.parallel(
    ranges.map(([r0, r1]) => ({
      fn: 'bnApplyRange' as const,
      args: [xPtr, 0, xhatPtr, yPtr, params, params + 4 * C, params + 8 * C, params + 12 * C, r0, r1, C, 0],
    })),
  );
  const y = out?.y ?? new Float32Array(x.length);
  const xhat = out?.xhat ?? new Float32Array(x.length);
  y.set(k.f32(yPtr, x.length));
  xhat.set(k.f32(xhatPtr, x.length));
  return { y, xhat, mean, variance, invStd };
}

/**
 * Gradients of `batchNormForward` from dL/dy and its saved x̂ and invStd ([rows, C]):
 * dBeta = Σ dy, dGamma = Σ dy·x̂, dx = gamma·invStd·(dy − dBeta/M − x̂·dGamma/M), M = rows.
 */
export function batchNormBackward(
  k: KernelInstance,
  dy: Float32Array,
  xhat: Float32Array,
  invStd: Float32Array,
  gamma: Float32Array,
  out?: Partial<BatchNormBackwardResult>,
): BatchNormBackwardResult {
  const what = 'batchNormBackward';
  const C = gamma.length;
  const rows = checkSizes(dy, C, [['invStd', invStd]], what);
  if (xhat.length !== dy.length)
    throw new Error(`${what}: xhat has ${xhat.length} elements, expected ${dy.length}`);
  const ranges = rowRanges(k, rows, C);
  k.reset();
  const dyPtr = k.put(dy);
  const xhatPtr = k.put(xhat);
  const dxPtr = k.alloc(dy.length);
  const params = k.alloc(3 * C); // dBeta/M, dGamma/M, gamma·invStd
  const parts = k.alloc(4 * C * ranges.length); // f64 dBeta and dGamma partials per range
  k.parallel(
    ranges.map(([r0, r1], i) => ({
      fn: 'bnGradSumsRange' as const,
      args: [dyPtr, xhatPtr, parts + i * 2 * C * 8, parts + (i * 2 + 1) * C * 8, r0, r1, C],
    })),
  );
  const all = new Float64Array(k.memory.buffer, parts, 2 * C * ranges.length);
  const dBeta = out?.dBeta ?? new Float32Array(C);
  const dGamma = out?.dGamma ?? new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let b = 0;
    let g = 0;
    for (let i = 0; i < ranges.length; i++) {
      b += all[i * 2 * C + c];
      g += all[(i * 2 + 1) * C + c];
    }
    dBeta[c] = b;
    dGamma[c] = g;
  }
  const pv = k.f32(params, 3 * C);
  for (let c = 0; c < C; c++) {
    pv[c] = dBeta[c] / rows;
    pv[C + c] = dGamma[c] / rows;
    pv[2 * C + c] = Math.fround(gamma[c]) * Math.fround(invStd[c]);
  }
  k.parallel(
    ranges.map(([r0, r1]) => ({
      fn: 'bnApplyRange' as const,
      args: [dyPtr, xhatPtr, dxPtr, 0, params, params + 4 * C, params + 8 * C, 0, r0, r1, C, 1],
    })),
  );
  const dx = out?.dx ?? new Float32Array(dy.length);
  dx.set(k.f32(dxPtr, dy.length));
  return { dx, dGamma, dBeta };
}

function epsFrom(attrs: tf.NamedAttrMap | undefined, what: string): number {
  const eps = attrs?.eps;
  if (typeof eps !== 'number' || !(eps >= 0))
    throw new Error(`${what}: attrs.eps must be a non-negative number, got ${String(eps)}`);
  return eps;
}

export function batchNormKernelConfigs(backendName: string, k: KernelInstance): tf.KernelConfig[] {
  return [
    {
      kernelName: BATCHNORM_FORWARD,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const what = 'wasm-simd BatchNormTrain';
        const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
        for (const [n, t] of Object.entries({ x, gamma, beta })) checkFloat32(t, n, what);
        const C = x.shape[x.shape.length - 1];
        const eps = epsFrom(attrs, what);
        const io = backendIO(backend, what);
        return io.outputs([x.shape, x.shape, [C], [C], [C]], ([y, xhat, mean, variance, invStd]) => {
          batchNormForward(k, io.read(x), C, io.read(gamma), io.read(beta), eps, {
            y,
            xhat,
            mean,
            variance,
            invStd,
          });
        });
      },
    },
    {
      kernelName: BATCHNORM_BACKWARD,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const what = 'wasm-simd BatchNormTrainGrad';
        const { dy, xhat, invStd, gamma } = inputs as Record<string, tf.TensorInfo>;
        for (const [n, t] of Object.entries({ dy, xhat, invStd, gamma })) checkFloat32(t, n, what);
        const C = gamma.shape[0];
        const io = backendIO(backend, what);
        return io.outputs([dy.shape, [C], [C]], ([dx, dGamma, dBeta]) => {
          batchNormBackward(k, io.read(dy), io.read(xhat), io.read(invStd), io.read(gamma), {
            dx,
            dGamma,
            dBeta,
          });
        });
      },
    },
  ];
}
