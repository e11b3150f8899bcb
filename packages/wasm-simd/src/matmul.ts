import type { KernelInstance } from './runtime.js';
import type { Job } from './worker-pool.js';

// Below this many multiply-adds per thread, waking a worker costs more than it saves.
const MIN_WORK_PER_THREAD = 2e6;

/**
 * At or below this fraction of nonzeros in op(A), `matMul` visits only A's nonzeros (CSR × dense,
 * SIMD over the columns of C) instead of the packed dense GEMM. MNIST pixels are ~19% nonzero and
 * hidden spikes fewer. Measured (1 thread, CPU ms, random positions, loaded 2-core VM): at 30%
 * sparse wins on [128×784]·[784×800] (3.8 vs 8.0), its transposeA weight gradient (3.5 vs 5.2) and
 * N = 10 outputs (1.1 vs 2.4), loses on [800×1024]ᵀ·[1024×10] (3.0 vs 1.7); at 50% the wins shrink.
 */
export const SPARSE_MATMUL_DENSITY_MAX = 0.3;

/**
 * At or below this fraction of nonzeros in B (a pruned weight), the BatchMatMul kernel may skip B's
 * zeros instead (`matMulSparseB`), when that visits fewer products than skipping A's. Measured: see
 * the comment at its use in kernels/batch-matmul.ts.
 */
export const SPARSE_WEIGHT_DENSITY_MAX = 0.3;

/**
 * Whether skipping B's zeros should beat the path taken otherwise (A's zeros skipped when op(A)'s
 * density dA ≤ SPARSE_MATMUL_DENSITY_MAX, else the dense GEMM), from a cost model in ns fitted to
 * single-thread CPU times on this 2-core VM (2026-12-07, `pnpm bench gradr-sparse-step` shapes):
 * a dense multiply-add ~0.05, a CSR one ~0.12, each element of A, B and C moved ~1, and twice that
 * for A and C on B's path (both are transposed, and CSR rows of B gather from the whole Aᵀ). It
 * takes B's path for a 10%-dense [784×800] weight against [128×784] inputs, dense or MNIST (19%),
 * and for its input gradient, but not for an [800×10] output layer behind 1024 spike rows.
 */
export function sparseWeightWins(m: number, kDim: number, n: number, dA: number, dB: number): boolean {
  if (!(dB <= SPARSE_WEIGHT_DENSITY_MAX)) return false;
  const macs = m * kDim * n;
  const moved = m * kDim + kDim * n + m * n;
  const other = dA <= SPARSE_MATMUL_DENSITY_MAX ? 0.12 * dA * macs + moved : 0.05 * macs + moved;
  const mine = 0.12 * dB * macs + kDim * n + 2 * (m * kDim + m * n);
  return mine < other;
}

export interface MatMulOptions {
  /**
   * 'auto' (default): sparse when op(A)'s density ≤ SPARSE_MATMUL_DENSITY_MAX; or force a path:
   * 'sparse' skips A's zeros, 'sparseB' B's (a pruned weight: see `matMulSparseB`).
   */
  path?: 'auto' | 'dense' | 'sparse' | 'sparseB';
}

/** C [m × n] = op(A) [m × kDim] · op(B) [kDim × n], each op a transpose where asked. */
export interface Dims {
  m: number;
  kDim: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** The sizes of A, B and (when given) C against the dims, else an error naming `what`. */
function check(what: string, a: Float32Array, b: Float32Array, d: Dims, out?: Float32Array): void {
  const { m, kDim, n } = d;
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
  if (out && out.length !== m * n)
    throw new Error(`${what}: out has ${out.length} elements, expected ${m * n}`);
}

/** Copy the first rows·cols floats of C (row stride `stride`) out of the arena. */
function readOut(
  k: KernelInstance,
  c: number,
  m: number,
  n: number,
  stride: number,
  result: Float32Array,
): void {
  if (stride === n) {
    result.set(k.f32(c, m * n));
    return;
  }
  const dst = k.alloc(m * n);
  k.exports.unpad(c, dst, m, n, stride);
  result.set(k.f32(dst, m * n));
}

/**
 * C[M × N] = op(A) · op(B) with op = transpose when asked; A stored [M, K] (or [K, M] with
 * transposeA), B stored [K, N] (or [N, K] with transposeB). Zeros of A are skipped when op(A) is
 * sparse enough (see SPARSE_MATMUL_DENSITY_MAX); rows of C are split across threads.
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
  options: MatMulOptions = {},
): Float32Array {
  return product(k, a, b, { m, kDim, n, transposeA, transposeB }, out, options, null);
}

/** A's CSR as stored (copied out of the arena), or 'dense' when A was too dense for it. */
type Kept = { ptr: Int32Array; col: Int32Array; val: Float32Array } | 'dense';
const kept = new WeakMap<object, Map<string, Kept>>();

/**
 * `matMul` that remembers A's CSR (or that A is dense) under `key` + `part`, for the tfjs kernel:
 * the forward product and the weight gradient of a layer take the same input tensor (its dataId is
 * the key; tfjs never rewrites a dataId's values), so the second call skips A's copy and scan.
 */
export function matMulKeepingA(
  k: KernelInstance,
  a: Float32Array,
  b: Float32Array,
  dims: Dims,
  out: Float32Array,
  key: object,
  part: string,
): Float32Array {
  return product(k, a, b, dims, out, {}, { key, part });
}

/**
 * Nonzero fraction of `a` from 64 runs of 64 consecutive entries at pseudo-random offsets (a
 * fixed-seed LCG, so that no stride lines up with the data's structure); whole `a` when it is that
 * small. Runs rather than 4,096 scattered entries: those missed the cache on every read, 80–140 µs a
 * call on MNIST's [128×784] x vs 26–32 µs for the runs (2026-11-22), and the MLP step makes two calls.
 */
export function sampledDensity(a: Float32Array): number {
  const runs = 64;
  const run = 64;
  let nonzero = 0;
  if (a.length <= runs * run) {
    for (let i = 0; i < a.length; i++) if (a[i] !== 0) nonzero++;
    return nonzero / Math.max(1, a.length);
  }
  const span = a.length - run;
  let s = 0x9e3779b9;
  for (let r = 0; r < runs; r++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const o = Math.floor((s / 2 ** 32) * span);
    for (let i = o; i < o + run; i++) if (a[i] !== 0) nonzero++;
  }
  return nonzero / (runs * run);
}

/**
 * Whether A (stored rows × cols) is sparse enough for the zero-skipping path; remembers the answer
 * (and the CSR) under key + part as `matMulKeepingA` does, so a product that follows reuses them.
 * A clearly dense A (a sample over twice the threshold) is answered without copying or scanning it:
 * that cost the dense [128×784]·[784×800] product ~35% over the stock kernel it then went to.
 */
export function keptAIsSparse(
  k: KernelInstance,
  a: Float32Array,
  rows: number,
  cols: number,
  key: object,
  part: string,
): boolean {
  const name = `${part}:${rows}x${cols}`;
  let known = kept.get(key)?.get(name);
  if (!known && a.length >= 16_384 && sampledDensity(a) > 2 * SPARSE_MATMUL_DENSITY_MAX) return false;
  if (!known) {
    k.reset();
    const aSrc = k.put(a);
    known = keepCsr(k, aSrc, rows, cols, { key, part: name }).kept;
  }
  return known !== 'dense';
}

/** CSR of A (in the arena at aSrc) if sparse enough; remembered under `keep` when given. */
function keepCsr(
  k: KernelInstance,
  aSrc: number,
  rows: number,
  cols: number,
  keep: { key: object; part: string } | null,
  force = false,
  maxDensity = SPARSE_MATMUL_DENSITY_MAX,
): { csr: Csr | null; kept: Kept } {
  const ptr = k.alloc(rows + 1);
  const col = k.alloc(rows * cols + 4); // csrBuild stores whole groups of 4: 3 slots of slack
  const val = k.alloc(rows * cols + 4);
  const nnz = k.exports.csrBuild(aSrc, rows, cols, ptr, col, val);
  const sparse = force || nnz <= maxDensity * rows * cols;
  let entry: Kept = 'dense';
  if (keep) {
    if (sparse) {
      entry = {
        ptr: new Int32Array(k.memory.buffer, ptr, rows + 1).slice(),
        col: new Int32Array(k.memory.buffer, col, nnz).slice(),
        val: k.f32(val, nnz).slice(),
      };
    }
    const parts = kept.get(keep.key) ?? new Map<string, Kept>();
    kept.set(keep.key, parts);
    parts.set(keep.part, entry);
  }
  return { csr: sparse ? { ptr, col, val, nnz } : null, kept: entry };
}

/** A remembered CSR (rows + 1 row pointers) copied back into the arena. */
function restoreCsr(k: KernelInstance, known: Exclude<Kept, 'dense'>, rows: number): Csr {
  const nnz = known.col.length;
  const csr = { ptr: k.alloc(rows + 1), col: k.alloc(nnz), val: k.alloc(nnz), nnz };
  new Int32Array(k.memory.buffer, csr.ptr, rows + 1).set(known.ptr);
  new Int32Array(k.memory.buffer, csr.col, nnz).set(known.col);
  k.f32(csr.val, nnz).set(known.val);
  return csr;
}

function product(
  k: KernelInstance,
  a: Float32Array,
  b: Float32Array,
  d: Dims,
  out: Float32Array | undefined,
  options: MatMulOptions,
  keep: { key: object; part: string } | null,
): Float32Array {
  const what = 'matMul';
  const { m, kDim, transposeA } = d;
  check(what, a, b, d, out);
  const result = out ?? new Float32Array(m * d.n);
  const path = options.path ?? 'auto';
  if (path !== 'auto' && path !== 'dense' && path !== 'sparse' && path !== 'sparseB')
    throw new Error(`${what}: options.path must be 'auto', 'dense', 'sparse' or 'sparseB', got '${path}'`);
  if (path === 'sparseB') {
    sparseBProduct(k, a, b, d, result, keep, true);
    return result;
  }
  const storedRows = transposeA ? kDim : m;
  const storedCols = transposeA ? m : kDim;
  const part = keep ? `${keep.part}:${storedRows}x${storedCols}` : '';
  const known = keep ? kept.get(keep.key)?.get(part) : undefined;
  k.reset();
  if (known && known !== 'dense') {
    sparseAB(k, restoreCsr(k, known, storedRows), b, d, result);
    return result;
  }
  const aSrc = k.put(a);
  if (path !== 'dense' && known !== 'dense') {
    // CSR of A as stored (one pass, no separate count); used when sparse enough
    const { csr } = keepCsr(
      k,
      aSrc,
      storedRows,
      storedCols,
      keep && { key: keep.key, part },
      path === 'sparse',
    );
    if (csr) {
      sparseAB(k, csr, b, d, result);
      return result;
    }
  }
  denseAB(k, aSrc, b, d, result);
  return result;
}

/** The packed 4×8 GEMM micro-kernel (A already in the arena at aSrc). */
function denseAB(k: KernelInstance, aSrc: number, b: Float32Array, d: Dims, result: Float32Array): void {
  const { m, kDim, n, transposeA, transposeB } = d;
  const e = k.exports;
  const mp = (m + 3) & ~3;
  const np = (n + 7) & ~7;
  const bSrc = k.put(b);
  const aPanels = k.alloc(mp * kDim);
  const bPanels = k.alloc(np * kDim);
  const c = k.alloc(mp * np);
  e.packRowsT4Strided(aSrc, aPanels, m, kDim, transposeA ? 1 : kDim, transposeA ? m : 1);
  e.packCols8Strided(bSrc, bPanels, kDim, n, transposeB ? 1 : n, transposeB ? kDim : 1);
  const blocks = mp / 4;
  const threads = Math.max(1, Math.min(k.threads, blocks, Math.floor((m * n * kDim) / MIN_WORK_PER_THREAD)));
  const per = Math.ceil(blocks / threads);
  const jobs: Job[] = [];
  for (let t = 0; t < threads; t++) {
    const b0 = Math.min(blocks, t * per);
    const b1 = Math.min(blocks, b0 + per);
    if (b1 <= b0) continue;
    jobs.push({
      fn: 'gemmAB',
      args: [aPanels + b0 * kDim * 16, bPanels, c + b0 * 4 * np * 4, (b1 - b0) * 4, np, kDim],
    });
  }
  k.parallel(jobs);
  readOut(k, c, m, n, np, result);
}

interface Csr {
  ptr: number;
  col: number;
  val: number;
  nnz: number;
}

/** CSR of A (as stored) times op(B) as padded rows; rows of C split across threads by nonzero count. */
function sparseAB(k: KernelInstance, stored: Csr, b: Float32Array, d: Dims, result: Float32Array): void {
  const { m, kDim, n, transposeA, transposeB } = d;
  const e = k.exports;
  const np = (n + 3) & ~3;
  let bRows: number;
  if (!transposeB && np === n) bRows = k.put(b);
  else {
    const bSrc = k.put(b);
    bRows = k.alloc(kDim * np);
    e.packRowsPadded(bSrc, bRows, kDim, n, transposeB ? 1 : n, transposeB ? kDim : 1, np);
  }
  // with transposeA, the transpose of A's CSR is the CSR of op(A)
  let { ptr, col, val } = stored;
  const { nnz } = stored;
  if (transposeA) {
    ptr = k.alloc(m + 1);
    col = k.alloc(nnz);
    val = k.alloc(nnz);
    e.csrTranspose(stored.ptr, stored.col, stored.val, kDim, m, ptr, col, val);
  }
  const c = k.alloc(m * np);
  spmmRows(k, { ptr, col, val, nnz }, m, bRows, c, np);
  readOut(k, c, m, n, np, result);
}

/**
 * Rows [0, rows) of C [rows × np] = CSR · B (B [· × np] row-major in the arena, np a multiple of 4),
 * split across threads so that each gets about the same nonzeros (plus one per row: its stores).
 */
function spmmRows(k: KernelInstance, csr: Csr, rows: number, bRows: number, c: number, np: number): void {
  const { ptr, col, val, nnz } = csr;
  const rowPtr = new Int32Array(k.memory.buffer, ptr, rows + 1);
  const work = (nnz + rows) * np;
  const threads = Math.max(1, Math.min(k.threads, rows, Math.floor(work / MIN_WORK_PER_THREAD)));
  const jobs: Job[] = [];
  let r0 = 0;
  for (let t = 0; t < threads && r0 < rows; t++) {
    let r1 = rows;
    if (t < threads - 1) {
      const target = ((t + 1) * (nnz + rows)) / threads;
      r1 = r0 + 1;
      while (r1 < rows && rowPtr[r1] + r1 < target) r1++;
    }
    jobs.push({ fn: 'spmmRange', args: [ptr, col, val, bRows, c, r0, r1, np] });
    r0 = r1;
  }
  k.parallel(jobs);
}

/**
 * C = op(A) · op(B) visiting only B's nonzeros (a pruned weight): Cᵀ = op(B)ᵀ · op(A)ᵀ as CSR × dense
 * with SIMD over C's rows, then transposed back. Each output sums its products in ascending k, as
 * the dense path does, so the skipped zeros change nothing but the sign of an all-zero sum.
 * Returns false (and computes nothing) when B is denser than `SPARSE_WEIGHT_DENSITY_MAX`, unless
 * `force`. B's CSR is remembered under `keep` like A's in `matMulKeepingA`: a layer's forward
 * product and its input gradient take the same weight tensor.
 */
function sparseBProduct(
  k: KernelInstance,
  a: Float32Array,
  b: Float32Array,
  d: Dims,
  result: Float32Array,
  keep: { key: object; part: string } | null,
  force: boolean,
): boolean {
  const { m, kDim, n, transposeA, transposeB } = d;
  const e = k.exports;
  const storedRows = transposeB ? n : kDim;
  const storedCols = transposeB ? kDim : n;
  const part = keep ? `B:${keep.part}:${storedRows}x${storedCols}` : '';
  const known = keep ? kept.get(keep.key)?.get(part) : undefined;
  if (known === 'dense' && !force) return false;
  k.reset();
  let stored: Csr;
  if (known && known !== 'dense') stored = restoreCsr(k, known, storedRows);
  else {
    const bSrc = k.put(b);
    const r = keepCsr(
      k,
      bSrc,
      storedRows,
      storedCols,
      keep && { key: keep.key, part },
      force,
      SPARSE_WEIGHT_DENSITY_MAX,
    );
    if (!r.csr) return false;
    stored = r.csr;
  }
  // CSR of op(B)ᵀ [n × K]: B as stored when transposed, else the (stable) transpose of its CSR
  let csr = stored;
  if (!transposeB) {
    csr = { ptr: k.alloc(n + 1), col: k.alloc(stored.nnz), val: k.alloc(stored.nnz), nnz: stored.nnz };
    e.csrTranspose(stored.ptr, stored.col, stored.val, kDim, n, csr.ptr, csr.col, csr.val);
  }
  // op(A)ᵀ [K × mp]: op(A)ᵀ[p][i] = A[i·K + p] (or A[p·M + i] with transposeA)
  const mp = (m + 3) & ~3;
  const aSrc = k.put(a);
  const aT = k.alloc(kDim * mp);
  if (transposeA) e.packRowsPadded(aSrc, aT, kDim, m, m, 1, mp);
  else e.transposePadded(aSrc, aT, m, kDim, kDim, mp);
  const ct = k.alloc(n * mp);
  sparseWeightCalls.count++;
  spmmRows(k, csr, n, aT, ct, mp);
  const c = k.alloc(m * n);
  e.transposePadded(ct, c, n, m, mp, n);
  result.set(k.f32(c, m * n));
  return true;
}

/** Products that skipped B's zeros so far (tests and benchmarks check that the path engaged). */
export const sparseWeightCalls = { count: 0 };

/**
 * `matMul` skipping B's zeros (see `sparseBProduct`) when B's density ≤ SPARSE_WEIGHT_DENSITY_MAX;
 * remembers B's CSR (or that B is dense) under `key` + `part`. Returns false, computing nothing,
 * when B is too dense.
 */
export function matMulSparseB(
  k: KernelInstance,
  a: Float32Array,
  b: Float32Array,
  m: number,
  kDim: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
  out: Float32Array,
  key: object,
  part: string,
): boolean {
  const d = { m, kDim, n, transposeA, transposeB };
  check('matMulSparseB', a, b, d, out);
  return sparseBProduct(k, a, b, d, out, { key, part }, false);
}
