import { compactShuffle } from './compact';

// Sparse × dense matrix multiply for BatchMatMul when op(A) has many zeros (MNIST pixels, spikes):
// C[i, :] = Σ over the nonzeros (k, v) of row i of op(A) of v · B[k, :], SIMD over the columns, so a
// zero of A costs nothing. op(A) is held as CSR: rowPtr (rows + 1 i32), col (k per nonzero), val.

/**
 * CSR of a row-major [rows × cols] matrix, without branches on the data (random zeros would
 * mispredict): each group of 4 is compacted by its nonzero mask with one shuffle and stored whole,
 * so `col` and `val` need 3 slots of slack past the nonzero count.
 */
export function csrBuild(src: usize, rows: i32, cols: i32, rowPtr: usize, col: usize, val: usize): i32 {
  const zero = f32x4.splat(0);
  const step = i32x4.splat(4);
  const step16 = i32x4.splat(16);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    store<i32>(rowPtr + ((<usize>r) << 2), n);
    const row = src + ((<usize>r * <usize>cols) << 2);
    let idx = i32x4(0, 1, 2, 3);
    let c = 0;
    for (; c + 16 <= cols; c += 16) {
      // 16 zeros in a row (image borders, silent neurons) cost one predictable branch
      const p = row + ((<usize>c) << 2);
      const any = v128.or(
        v128.or(f32x4.ne(v128.load(p), zero), f32x4.ne(v128.load(p, 16), zero)),
        v128.or(f32x4.ne(v128.load(p, 32), zero), f32x4.ne(v128.load(p, 48), zero)),
      );
      if (v128.any_true(any)) {
        for (let q = 0; q < 4; q++) {
          const v = v128.load(p + ((<usize>q) << 4));
          const mask = i32x4.bitmask(f32x4.ne(v, zero));
          const shuffle = compactShuffle(mask);
          v128.store(val + ((<usize>n) << 2), i8x16.swizzle(v, shuffle));
          v128.store(col + ((<usize>n) << 2), i8x16.swizzle(idx, shuffle));
          n += <i32>popcnt(mask);
          idx = i32x4.add(idx, step);
        }
      } else idx = i32x4.add(idx, step16);
    }
    for (; c + 4 <= cols; c += 4) {
      const v = v128.load(row + ((<usize>c) << 2));
      const mask = i32x4.bitmask(f32x4.ne(v, zero));
      const shuffle = compactShuffle(mask);
      v128.store(val + ((<usize>n) << 2), i8x16.swizzle(v, shuffle));
      v128.store(col + ((<usize>n) << 2), i8x16.swizzle(idx, shuffle));
      n += <i32>popcnt(mask);
      idx = i32x4.add(idx, step);
    }
    for (; c < cols; c++) {
      const v = load<f32>(row + ((<usize>c) << 2));
      if (v == 0) continue;
      store<i32>(col + ((<usize>n) << 2), c);
      store<f32>(val + ((<usize>n) << 2), v);
      n++;
    }
  }
  store<i32>(rowPtr + ((<usize>rows) << 2), n);
  return n;
}

/**
 * The CSR of the transpose: (rowPtr, col, val) describe [rows × cols]; the result [cols × rows]
 * goes to (tPtr, tCol, tVal). Counting sort by column, so rows stay in order within each output row.
 */
export function csrTranspose(
  rowPtr: usize,
  col: usize,
  val: usize,
  rows: i32,
  cols: i32,
  tPtr: usize,
  tCol: usize,
  tVal: usize,
): void {
  memory.fill(tPtr, 0, (<usize>(cols + 1)) << 2);
  const nnz = load<i32>(rowPtr + ((<usize>rows) << 2));
  for (let p = 0; p < nnz; p++) {
    const at = tPtr + ((<usize>(load<i32>(col + ((<usize>p) << 2)) + 1)) << 2);
    store<i32>(at, load<i32>(at) + 1);
  }
  for (let c = 0; c < cols; c++) {
    const at = tPtr + ((<usize>(c + 1)) << 2);
    store<i32>(at, load<i32>(at) + load<i32>(at - 4));
  }
  // tPtr[c] is used as the insertion cursor of row c, then shifted back.
  for (let r = 0; r < rows; r++) {
    const e = load<i32>(rowPtr + ((<usize>(r + 1)) << 2));
    for (let p = load<i32>(rowPtr + ((<usize>r) << 2)); p < e; p++) {
      const c = load<i32>(col + ((<usize>p) << 2));
      const at = tPtr + ((<usize>c) << 2);
      const q = load<i32>(at);
      store<i32>(tCol + ((<usize>q) << 2), r);
      store<f32>(tVal + ((<usize>q) << 2), load<f32>(val + ((<usize>p) << 2)));
      store<i32>(at, q + 1);
    }
  }
  for (let c = cols; c > 0; c--) store<i32>(tPtr + ((<usize>c) << 2), load<i32>(tPtr + ((<usize>(c - 1)) << 2)));
  store<i32>(tPtr, 0);
}

/** dst[k][j] = src[k·rs + j·cs] as [inner × np] rows (np ≥ cols a multiple of 4; padding zero). */
export function packRowsPadded(src: usize, dst: usize, inner: i32, cols: i32, rs: i32, cs: i32, np: i32): void {
  for (let k = 0; k < inner; k++) {
    const row = src + ((<usize>k * <usize>rs) << 2);
    const out = dst + ((<usize>k * <usize>np) << 2);
    if (cs == 1) memory.copy(out, row, (<usize>cols) << 2);
    else for (let j = 0; j < cols; j++) store<f32>(out + ((<usize>j) << 2), load<f32>(row + ((<usize>j * <usize>cs) << 2)));
    for (let j = cols; j < np; j++) store<f32>(out + ((<usize>j) << 2), 0);
  }
}

/**
 * Rows [r0, r1) of C [· × np] = op(A) · B with op(A) in CSR and B [K × np] row-major (np a multiple
 * of 4). Column strips of 32 (8 accumulators), then 16, 8, 4; strip-outer, so that a strip of B
 * (K × 128 bytes) stays in cache while every row's nonzeros gather from it.
 */
export function spmmRange(rowPtr: usize, col: usize, val: usize, b: usize, c: usize, r0: i32, r1: i32, np: i32): void {
  let j = 0;
  for (; j + 32 <= np; j += 32) spmm32(rowPtr, col, val, b, c, r0, r1, np, j);
  for (; j + 16 <= np; j += 16) spmm16(rowPtr, col, val, b, c, r0, r1, np, j);
  for (; j + 8 <= np; j += 8) spmm8(rowPtr, col, val, b, c, r0, r1, np, j);
  for (; j < np; j += 4) spmm4(rowPtr, col, val, b, c, r0, r1, np, j);
}

function spmm32(rowPtr: usize, col: usize, val: usize, b: usize, c: usize, r0: i32, r1: i32, np: i32, j: i32): void {
  const rowBytes = (<usize>np) << 2;
  const bj = b + ((<usize>j) << 2);
  for (let r = r0; r < r1; r++) {
    const s = load<i32>(rowPtr + ((<usize>r) << 2));
    const e = load<i32>(rowPtr + ((<usize>(r + 1)) << 2));
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let a4 = f32x4.splat(0);
    let a5 = f32x4.splat(0);
    let a6 = f32x4.splat(0);
    let a7 = f32x4.splat(0);
    for (let p = s; p < e; p++) {
      const v = v128.load32_splat(val + ((<usize>p) << 2));
      const bp = bj + <usize>load<i32>(col + ((<usize>p) << 2)) * rowBytes;
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(bp)));
      a1 = f32x4.add(a1, f32x4.mul(v, v128.load(bp, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v, v128.load(bp, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v, v128.load(bp, 48)));
      a4 = f32x4.add(a4, f32x4.mul(v, v128.load(bp, 64)));
      a5 = f32x4.add(a5, f32x4.mul(v, v128.load(bp, 80)));
      a6 = f32x4.add(a6, f32x4.mul(v, v128.load(bp, 96)));
      a7 = f32x4.add(a7, f32x4.mul(v, v128.load(bp, 112)));
    }
    const o = c + <usize>r * rowBytes + ((<usize>j) << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
    v128.store(o, a4, 64);
    v128.store(o, a5, 80);
    v128.store(o, a6, 96);
    v128.store(o, a7, 112);
  }
}

function spmm16(rowPtr: usize, col: usize, val: usize, b: usize, c: usize, r0: i32, r1: i32, np: i32, j: i32): void {
  const rowBytes = (<usize>np) << 2;
  const bj = b + ((<usize>j) << 2);
  for (let r = r0; r < r1; r++) {
    const s = load<i32>(rowPtr + ((<usize>r) << 2));
    const e = load<i32>(rowPtr + ((<usize>(r + 1)) << 2));
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    for (let p = s; p < e; p++) {
      const v = v128.load32_splat(val + ((<usize>p) << 2));
      const bp = bj + <usize>load<i32>(col + ((<usize>p) << 2)) * rowBytes;
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(bp)));
      a1 = f32x4.add(a1, f32x4.mul(v, v128.load(bp, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v, v128.load(bp, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v, v128.load(bp, 48)));
    }
    const o = c + <usize>r * rowBytes + ((<usize>j) << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
    v128.store(o, a2, 32);
    v128.store(o, a3, 48);
  }
}

function spmm8(rowPtr: usize, col: usize, val: usize, b: usize, c: usize, r0: i32, r1: i32, np: i32, j: i32): void {
  const rowBytes = (<usize>np) << 2;
  const bj = b + ((<usize>j) << 2);
  for (let r = r0; r < r1; r++) {
    const s = load<i32>(rowPtr + ((<usize>r) << 2));
    const e = load<i32>(rowPtr + ((<usize>(r + 1)) << 2));
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    for (let p = s; p < e; p++) {
      const v = v128.load32_splat(val + ((<usize>p) << 2));
      const bp = bj + <usize>load<i32>(col + ((<usize>p) << 2)) * rowBytes;
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(bp)));
      a1 = f32x4.add(a1, f32x4.mul(v, v128.load(bp, 16)));
    }
    const o = c + <usize>r * rowBytes + ((<usize>j) << 2);
    v128.store(o, a0);
    v128.store(o, a1, 16);
  }
}

function spmm4(rowPtr: usize, col: usize, val: usize, b: usize, c: usize, r0: i32, r1: i32, np: i32, j: i32): void {
  const rowBytes = (<usize>np) << 2;
  const bj = b + ((<usize>j) << 2);
  for (let r = r0; r < r1; r++) {
    const s = load<i32>(rowPtr + ((<usize>r) << 2));
    const e = load<i32>(rowPtr + ((<usize>(r + 1)) << 2));
    let a0 = f32x4.splat(0);
    for (let p = s; p < e; p++) {
      const v = v128.load32_splat(val + ((<usize>p) << 2));
      a0 = f32x4.add(a0, f32x4.mul(v, v128.load(bj + <usize>load<i32>(col + ((<usize>p) << 2)) * rowBytes)));
    }
    v128.store(c + <usize>r * rowBytes + ((<usize>j) << 2), a0);
  }
}

/**
 * dst[j·ds + i] = src[i·ss + j] for i < rows, j < cols (row strides ss, ds in floats; ds ≥ rows),
 * and zeros in dst[j·ds + i] for rows ≤ i < ds: the padded transpose of a [rows × cols] block, in
 * 4×4 tiles of SIMD loads and lane shuffles (a strided scalar copy missed the cache on every load).
 */
export function transposePadded(src: usize, dst: usize, rows: i32, cols: i32, ss: i32, ds: i32): void {
  const sb = (<usize>ss) << 2;
  const db = (<usize>ds) << 2;
  const r4 = rows & ~3;
  const c4 = cols & ~3;
  for (let i = 0; i < r4; i += 4) {
    const s0 = src + <usize>i * sb;
    const d0 = dst + ((<usize>i) << 2);
    for (let j = 0; j < c4; j += 4) {
      const p = s0 + ((<usize>j) << 2);
      const a = v128.load(p);
      const b = v128.load(p + sb);
      const c = v128.load(p + 2 * sb);
      const d = v128.load(p + 3 * sb);
      const t0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5); // a0 b0 a1 b1
      const t1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7); // a2 b2 a3 b3
      const t2 = v128.shuffle<f32>(c, d, 0, 4, 1, 5); // c0 d0 c1 d1
      const t3 = v128.shuffle<f32>(c, d, 2, 6, 3, 7); // c2 d2 c3 d3
      const q = d0 + <usize>j * db;
      v128.store(q, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
      v128.store(q + db, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
      v128.store(q + 2 * db, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
      v128.store(q + 3 * db, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
    }
    for (let j = c4; j < cols; j++)
      for (let ii = i; ii < i + 4; ii++)
        store<f32>(dst + <usize>j * db + ((<usize>ii) << 2), load<f32>(src + <usize>ii * sb + ((<usize>j) << 2)));
  }
  for (let i = r4; i < rows; i++)
    for (let j = 0; j < cols; j++)
      store<f32>(dst + <usize>j * db + ((<usize>i) << 2), load<f32>(src + <usize>i * sb + ((<usize>j) << 2)));
  if (ds > rows) for (let j = 0; j < cols; j++) memory.fill(dst + <usize>j * db + ((<usize>rows) << 2), 0, (<usize>(ds - rows)) << 2);
}
