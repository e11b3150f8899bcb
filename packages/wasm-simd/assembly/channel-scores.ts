// Per-channel sums of a channel score over a spiking layer's H, channels last ([rows, C]): SCA's
// built-in scores (@synaptogen/contracts' CHANNEL_SCORE_TABLE, ids below; a test holds them to it),
// computed from H alone with S = (H ≥ V_th) and V by the reset. Runs in tfjs' memory (heap.ts), so
// it owns no buffers: `block` (f32 [C]) and `total` (f64 [C]) are scratch from the caller.
export const CHANNEL_SCORE_ACTIVITY: i32 = 0;
export const CHANNEL_SCORE_FIRING_RATE: i32 = 1;
export const CHANNEL_SCORE_PRE_RESET: i32 = 2;

// Rows summed in float32 before they join the float64 totals: a long float32 sum would drift.
const BLOCK_ROWS = 256;

@inline
function score4(id: i32, h: v128, vth: v128, fired1: v128, soft: bool): v128 {
  const fired = f32x4.ge(h, vth);
  if (id === CHANNEL_SCORE_FIRING_RATE) return v128.and(fired, f32x4.splat(1));
  const quiet = f32x4.abs(h);
  if (id === CHANNEL_SCORE_PRE_RESET) return quiet;
  // activity S + |V|: |H| without a spike; 1 + |V_reset|, or 1 + |H − V_th| for a soft reset
  const spiked = soft ? f32x4.add(f32x4.splat(1), f32x4.abs(f32x4.sub(h, vth))) : fired1;
  return v128.bitselect(spiked, quiet, fired);
}

@inline
function score1(id: i32, h: f32, vth: f32, vReset: f32, soft: bool): f32 {
  const fired = h >= vth;
  if (id === CHANNEL_SCORE_FIRING_RATE) return fired ? 1 : 0;
  if (id === CHANNEL_SCORE_PRE_RESET || !fired) return abs<f32>(h);
  return 1 + abs<f32>(soft ? h - vth : vReset);
}

/** out[c] (f32) = Σ over rows of score(h[row, c]). */
export function channelScoreSums(
  h: usize,
  rows: i32,
  C: i32,
  id: i32,
  vThreshold: f32,
  vReset: f32,
  soft: bool,
  block: usize,
  total: usize,
  out: usize,
): void {
  const vth = f32x4.splat(vThreshold);
  const fired1 = f32x4.splat(1 + abs<f32>(vReset));
  const C4 = C & ~3;
  const rowBytes = (<usize>C) << 2;
  memory.fill(total, 0, (<usize>C) << 3);
  for (let r0 = 0; r0 < rows; r0 += BLOCK_ROWS) {
    const r1 = min(rows, r0 + BLOCK_ROWS);
    memory.fill(block, 0, rowBytes);
    for (let r = r0; r < r1; r++) {
      const row = h + <usize>r * rowBytes;
      for (let c = 0; c < C4; c += 4) {
        const off = (<usize>c) << 2;
        v128.store(block + off, f32x4.add(v128.load(block + off), score4(id, v128.load(row + off), vth, fired1, soft)));
      }
      for (let c = C4; c < C; c++) {
        const off = (<usize>c) << 2;
        store<f32>(block + off, load<f32>(block + off) + score1(id, load<f32>(row + off), vThreshold, vReset, soft));
      }
    }
    for (let c = 0; c < C; c++) {
      const t = total + ((<usize>c) << 3);
      store<f64>(t, load<f64>(t) + <f64>load<f32>(block + ((<usize>c) << 2)));
    }
  }
  for (let c = 0; c < C; c++) store<f32>(out + ((<usize>c) << 2), <f32>load<f64>(total + ((<usize>c) << 3)));
}
