// The charge formulas of @synaptogen/contracts' CHARGE_FORM_TABLE, by id (exported from index.ts so
// a test holds the two together), in the table's order of float32 operations (SpikingJelly's, k the
// float32 1/τ): spikes then equal the op-by-op tfjs forward bit for bit. Used by the fused neuron
// kernel and the sparse inference engine.
export const CHARGE_FORM_IF: i32 = 0;
export const CHARGE_FORM_LIF_DECAY_INPUT: i32 = 1;
export const CHARGE_FORM_LIF: i32 = 2;

/** H for four neurons from potential v and input x; vrZero: V_reset is 0 (the leak is then v). */
@inline
export function charge4(form: i32, v: v128, x: v128, k: v128, vr: v128, vrZero: bool): v128 {
  if (form === CHARGE_FORM_IF) return f32x4.add(v, x);
  const leak = vrZero ? v : f32x4.sub(v, vr);
  if (form === CHARGE_FORM_LIF_DECAY_INPUT) return f32x4.add(v, f32x4.mul(f32x4.sub(x, leak), k));
  return f32x4.add(f32x4.sub(v, f32x4.mul(leak, k)), x);
}

/** `charge4` for one neuron. */
@inline
export function charge1(form: i32, v: f32, x: f32, k: f32, vr: f32, vrZero: bool): f32 {
  if (form === CHARGE_FORM_IF) return v + x;
  const leak: f32 = vrZero ? v : v - vr;
  if (form === CHARGE_FORM_LIF_DECAY_INPUT) return v + (x - leak) * k;
  return v - leak * k + x;
}
