// The packed 4×8 SIMD GEMM micro-kernels that the conv drivers (conv.ts), Winograd (winograd.ts) and
// BatchMatMul (matmul-packs.ts packs its operands for gemmAB) share. All pointers are byte offsets into
// this module's memory; the JavaScript side owns the layout.

/**
 * C[Kp × Cop] += A^T · B with A = [Kp/4][pt][4], B = [Cop/8][pt][8] (pt pixels, any count).
 * Micro-tile 4×8: 8 accumulators, per pixel 2 loads of B and 4 broadcast loads of A.
 */
export function gemmAtB(a: usize, b: usize, c: usize, kp: i32, cop: i32, pt: i32): void {
  const rowBytes = (<usize>cop) << 2;
  for (let kb = 0; kb < kp; kb += 4) {
    const aPanel = a + ((<usize>kb * <usize>pt) << 2);
    for (let cb = 0; cb < cop; cb += 8) {
      const bPanel = b + ((<usize>cb * <usize>pt) << 2);
      const c0 = c + <usize>kb * rowBytes + ((<usize>cb) << 2);
      const c1 = c0 + rowBytes;
      const c2 = c1 + rowBytes;
      const c3 = c2 + rowBytes;
      let a00 = v128.load(c0);
      let a01 = v128.load(c0, 16);
      let a10 = v128.load(c1);
      let a11 = v128.load(c1, 16);
      let a20 = v128.load(c2);
      let a21 = v128.load(c2, 16);
      let a30 = v128.load(c3);
      let a31 = v128.load(c3, 16);
      let pa = aPanel;
      let pb = bPanel;
      const end = aPanel + ((<usize>pt) << 4);
      while (pa < end) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        let s = v128.load32_splat(pa);
        a00 = f32x4.add(a00, f32x4.mul(s, b0));
        a01 = f32x4.add(a01, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 4);
        a10 = f32x4.add(a10, f32x4.mul(s, b0));
        a11 = f32x4.add(a11, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 8);
        a20 = f32x4.add(a20, f32x4.mul(s, b0));
        a21 = f32x4.add(a21, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 12);
        a30 = f32x4.add(a30, f32x4.mul(s, b0));
        a31 = f32x4.add(a31, f32x4.mul(s, b1));
        pa += 16;
        pb += 32;
      }
      v128.store(c0, a00);
      v128.store(c0, a01, 16);
      v128.store(c1, a10);
      v128.store(c1, a11, 16);
      v128.store(c2, a20);
      v128.store(c2, a21, 16);
      v128.store(c3, a30);
      v128.store(c3, a31, 16);
    }
  }
}

/** C[ptp × Kp] = A · B with A = [ptp/4][Co][4], B = [Kp/8][Co][8]; C row stride Kp. */
export function gemmAB(a: usize, b: usize, c: usize, ptp: i32, kp: i32, co: i32): void {
  const rowBytes = (<usize>kp) << 2;
  const aPanelBytes = (<usize>co) << 4;
  const bPanelBytes = (<usize>co) << 5;
  for (let kb = 0; kb < kp; kb += 8) {
    const bPanel = b + <usize>(kb >> 3) * bPanelBytes;
    for (let pb = 0; pb < ptp; pb += 4) {
      const aPanel = a + <usize>(pb >> 2) * aPanelBytes;
      let a00 = f32x4.splat(0);
      let a01 = f32x4.splat(0);
      let a10 = f32x4.splat(0);
      let a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0);
      let a21 = f32x4.splat(0);
      let a30 = f32x4.splat(0);
      let a31 = f32x4.splat(0);
      let pa = aPanel;
      let pbv = bPanel;
      const end = aPanel + aPanelBytes;
      while (pa < end) {
        const b0 = v128.load(pbv);
        const b1 = v128.load(pbv, 16);
        let s = v128.load32_splat(pa);
        a00 = f32x4.add(a00, f32x4.mul(s, b0));
        a01 = f32x4.add(a01, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 4);
        a10 = f32x4.add(a10, f32x4.mul(s, b0));
        a11 = f32x4.add(a11, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 8);
        a20 = f32x4.add(a20, f32x4.mul(s, b0));
        a21 = f32x4.add(a21, f32x4.mul(s, b1));
        s = v128.load32_splat(pa, 12);
        a30 = f32x4.add(a30, f32x4.mul(s, b0));
        a31 = f32x4.add(a31, f32x4.mul(s, b1));
        pa += 16;
        pbv += 32;
      }
      const c0 = c + <usize>pb * rowBytes + ((<usize>kb) << 2);
      const c1 = c0 + rowBytes;
      const c2 = c1 + rowBytes;
      const c3 = c2 + rowBytes;
      v128.store(c0, a00);
      v128.store(c0, a01, 16);
      v128.store(c1, a10);
      v128.store(c1, a11, 16);
      v128.store(c2, a20);
      v128.store(c2, a21, 16);
      v128.store(c3, a30);
      v128.store(c3, a31, 16);
    }
  }
}
