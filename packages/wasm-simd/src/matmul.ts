import type { KernelInstance } from './runtime.js';

// Below this many multiply-adds per thread, waking a worker costs more than it saves.
const MIN_WORK_PER_THREAD = 2e6;

/**
 * C[M × N] = op(A) · op(B) with op = transpose when asked; A stored [M, K] (or [K, M] with
 * transposeA), B stored [K, N] (or [N, K] with transposeB). Rows of C are split across threads.
 */
export function matMul(
  k: KernelInstance,
  a: Float32Array,
  b: Float32Array,
  m: number,
  kDim: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
  out?: Float32Array,
): Float32Array {
  const what = 'matMul';
  for (const [name, v] of [
    ['M', m],
    ['K', kDim],
    ['N', n],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`${what}: ${name} must be a positive integer, got ${v}`);
  }
  if (a.length !== m * kDim) throw new Error(`${what}: a has ${a.length} elements, expected ${m}·${kDim}`);
  if (b.length !== kDim * n) throw new Error(`${what}: b has ${b.length} elements, expected ${kDim}·${n}`);
  const result = out ?? new Float32Array(m * n);
  if (result.length !== m * n)
    throw new Error(`${what}: out has ${result.length} elements, expected ${m * n}`);
  const e = k.exports;
  const mp = (m + 3) & ~3;
  const np = (n + 7) & ~7;
  k.reset();
  const aSrc = k.put(a);
  const bSrc = k.put(b);
  const aPanels = k.alloc(mp * kDim);
  const bPanels = k.alloc(np * kDim);
  const c = k.alloc(mp * np);
  e.packRowsT4Strided(aSrc, aPanels, m, kDim, transposeA ? 1 : kDim, transposeA ? m : 1);
  e.packCols8Strided(bSrc, bPanels, kDim, n, transposeB ? 1 : n, transposeB ? kDim : 1);
  const blocks = mp / 4;
  const threads = Math.max(1, Math.min(k.threads, blocks, Math.floor((m * n * kDim) / MIN_WORK_PER_THREAD)));
  const per = Math.ceil(blocks / threads);
  const jobs = [];
  for (let t = 0; t < threads; t++) {
    const b0 = Math.min(blocks, t * per);
    const b1 = Math.min(blocks, b0 + per);
    if (b1 <= b0) continue;
    jobs.push({
      fn: 'gemmAB' as const,
      args: [aPanels + b0 * kDim * 16, bPanels, c + b0 * 4 * np * 4, (b1 - b0) * 4, np, kDim],
    });
  }
  k.parallel(jobs);
  if (np === n) result.set(k.f32(c, m * n));
  else {
    const dst = k.alloc(m * n);
    e.unpad(c, dst, m, n, np);
    result.set(k.f32(dst, m * n));
  }
  return result;
}
