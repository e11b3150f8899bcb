// Dense matrix multiply (tfjs BatchMatMul) on the conv GEMM micro-kernel (gemm.ts, gemmAB): strided
// packs of A and B cover the transposes.

/** A[i][k] = src[i·rs + k·cs] packed as [ceil(rows/4)][inner][4] (rows past `rows` zero). */
export function packRowsT4Strided(src: usize, a: usize, rows: i32, inner: i32, rs: i32, cs: i32): void {
  const rp = (rows + 3) & ~3;
  const panelBytes = (<usize>inner) << 4;
  if (rp !== rows) memory.fill(a + <usize>((rp - 4) >> 2) * panelBytes, 0, panelBytes);
  for (let i = 0; i < rows; i++) {
    const out = a + <usize>(i >> 2) * panelBytes + ((<usize>(i & 3)) << 2);
    const row = src + ((<usize>i * <usize>rs) << 2);
    for (let k = 0; k < inner; k++) {
      store<f32>(out + ((<usize>k) << 4), load<f32>(row + ((<usize>k * <usize>cs) << 2)));
    }
  }
}

/** B[k][j] = src[k·rs + j·cs] packed as [ceil(cols/8)][inner][8] (columns past `cols` zero). */
export function packCols8Strided(src: usize, b: usize, inner: i32, cols: i32, rs: i32, cs: i32): void {
  const cp = (cols + 7) & ~7;
  if (cp !== cols) memory.fill(b, 0, (<usize>cp * <usize>inner) << 2);
  for (let k = 0; k < inner; k++) {
    const row = src + ((<usize>k * <usize>rs) << 2);
    for (let j = 0; j < cols; j++) {
      store<f32>(
        b + ((<usize>(j >> 3) * <usize>inner + <usize>k) << 5) + ((<usize>(j & 7)) << 2),
        load<f32>(row + ((<usize>j * <usize>cs) << 2)),
      );
    }
  }
}
