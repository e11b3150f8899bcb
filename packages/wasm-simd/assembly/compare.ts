// a > b over n elements into bytes (1/0), 16 at a time. mode: 0 both arrays, 1 b scalar (b[0]),
// 2 a scalar (a[0]); int = 1: the data are int32, else float32 (NaN compares false).

export function greaterRange(a: usize, b: usize, out: usize, n: i32, mode: i32, int: i32): void {
  const one = i8x16.splat(1);
  const sa = int ? i32x4.splat(load<i32>(a)) : f32x4.splat(load<f32>(a));
  const sb = int ? i32x4.splat(load<i32>(b)) : f32x4.splat(load<f32>(b));
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = (<usize>i) << 2;
    let m0: v128, m1: v128, m2: v128, m3: v128;
    const x0 = mode == 2 ? sa : v128.load(a + o);
    const x1 = mode == 2 ? sa : v128.load(a + o, 16);
    const x2 = mode == 2 ? sa : v128.load(a + o, 32);
    const x3 = mode == 2 ? sa : v128.load(a + o, 48);
    const y0 = mode == 1 ? sb : v128.load(b + o);
    const y1 = mode == 1 ? sb : v128.load(b + o, 16);
    const y2 = mode == 1 ? sb : v128.load(b + o, 32);
    const y3 = mode == 1 ? sb : v128.load(b + o, 48);
    if (int) {
      m0 = i32x4.gt_s(x0, y0);
      m1 = i32x4.gt_s(x1, y1);
      m2 = i32x4.gt_s(x2, y2);
      m3 = i32x4.gt_s(x3, y3);
    } else {
      m0 = f32x4.gt(x0, y0);
      m1 = f32x4.gt(x1, y1);
      m2 = f32x4.gt(x2, y2);
      m3 = f32x4.gt(x3, y3);
    }
    // lanes are −1 or 0: saturating narrows keep them, then & 1
    const bytes = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
    v128.store(out + <usize>i, v128.and(bytes, one));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const ai = mode == 2 ? 0 : o;
    const bi = mode == 1 ? 0 : o;
    const gt = int ? load<i32>(a + ai) > load<i32>(b + bi) : load<f32>(a + ai) > load<f32>(b + bi);
    store<u8>(out + <usize>i, gt ? 1 : 0);
  }
}
