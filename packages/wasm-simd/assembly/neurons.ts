// Fused multi-step spiking neurons (SpikingJelly semantics, see specs/neurons.md): one call runs
// charge → fire → reset over all T steps of a [T, N] input; the backward runs BPTT over the saved H.
// The forward's charge formula is one of the contract's charge forms (charge.ts), by id. The backward
// takes the charge's linear coefficients dH/dV and dH/dX from the contract: nothing here is derived
// from kind or τ.
import { charge4 } from './charge';

// Columns per block in the neuron loops (see neuronForward).
const BLOCK = 64;

@inline
function reset(h: v128, s: v128, vth: v128, vr: v128, soft: bool, vrZero: bool): v128 {
  const one = f32x4.splat(1);
  if (soft) return f32x4.sub(h, f32x4.mul(s, vth));
  if (vrZero) return f32x4.mul(h, f32x4.sub(one, s));
  return f32x4.add(f32x4.mul(s, vr), f32x4.mul(f32x4.sub(one, s), h));
}

/**
 * Forward over T steps for `n` neurons (n multiple of 4; the caller pads). x, s, h: [T, stride]
 * (a column range of a wider array when threads split the neurons); v: [n] initial potential in,
 * final potential out. `constant`: x is one row [stride], the same input at every step.
 */
export function neuronForward(
  x: usize,
  s: usize,
  h: usize,
  v: usize,
  T: i32,
  n: i32,
  stride: i32,
  form: i32,
  k: f32,
  vth: f32,
  vReset: f32,
  soft: bool,
  constant: bool,
): void {
  const kk = f32x4.splat(k);
  const th = f32x4.splat(vth);
  const vr = f32x4.splat(vReset);
  const vrZero = vReset === 0;
  const rowBytes = (<usize>stride) << 2;
  const xRowBytes: usize = constant ? 0 : rowBytes;
  // Column blocks, steps, then the block's columns: the columns of one step are independent, so the
  // CPU overlaps them, where running one column through all T steps is a serial chain through V
  // (the backward, same order: 1.2× with atan, 1.35× with sigmoid on a [8, 102400] layer). V lives in
  // v[] between steps; a block stays in L1.
  for (let c0 = 0; c0 < n; c0 += BLOCK) {
    const c1 = min(n, c0 + BLOCK);
    for (let t = 0; t < T; t++) {
      const row = <usize>t * rowBytes;
      const xRow = x + <usize>t * xRowBytes;
      for (let i = c0; i < c1; i += 4) {
        const off = (<usize>i) << 2;
        const vv = forwardStep(v128.load(xRow + off), v128.load(v + off), s + row + off, h + row + off, form, kk, th, vr, soft, vrZero);
        v128.store(v + off, vv);
      }
    }
  }
}

/** One step of four neurons: charge with input xx from potential vv, store H and S, return the reset V. */
@inline
function forwardStep(
  xx: v128,
  vv: v128,
  s: usize,
  h: usize,
  form: i32,
  kk: v128,
  th: v128,
  vr: v128,
  soft: bool,
  vrZero: bool,
): v128 {
  const hh = charge4(form, vv, xx, kk, vr, vrZero);
  // Θ(H − V_th) with Θ(0) = 1, i.e. H ≥ V_th (compared as H − V_th ≥ 0, like the op-by-op path).
  const ss = v128.and(f32x4.ge(f32x4.sub(hh, th), f32x4.splat(0)), f32x4.splat(1));
  v128.store(h, hh);
  v128.store(s, ss);
  return reset(hh, ss, th, vr, soft, vrZero);
}

// Surrogate derivatives g′(x) (ids follow SURROGATES in src/neurons.ts), as @synaptogen/neurons
// writes them.

/**
 * e^x for f32x4 (Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-5 polynomial, 2^n from the
 * exponent bits), within ~2 ulp of Math.exp over the clamped range [−87.3, 88.4]. n is rounded with
 * the 1.5·2²³ trick (its integer is then in the float's low bits) and the clamps use pmin/pmax:
 * V8's f32x4.nearest / trunc_sat / min / max are multi-instruction sequences.
 */
@inline
function expV(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.3762626647949)), f32x4.splat(-87.3365447505531));
  const magic = f32x4.splat(12582912.0);
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(1.44269504088896341)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(n, f32x4.splat(2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, r), r), r), f32x4.splat(1));
  const ni = i32x4.sub(t, i32x4.splat(0x4b400000)); // the bits of 1.5·2²³ + n, less those of 1.5·2²³
  const pow2 = i32x4.shl(i32x4.add(ni, i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

/** g′(x) for four lanes. */
@inline
function surrogate(id: i32, x: v128, a: f32): v128 {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  const ax = f32x4.abs(x);
  switch (id) {
    case 0: {
      // atan: (α/2) / (1 + (π/2·α·x)²)
      const z = f32x4.mul(x, f32x4.splat((Mathf.PI / 2) * a));
      return f32x4.div(f32x4.splat(a / 2), f32x4.add(one, f32x4.mul(z, z)));
    }
    case 1: {
      const sg = f32x4.div(one, f32x4.add(one, expV(f32x4.mul(x, f32x4.splat(-a)))));
      return f32x4.mul(f32x4.mul(sg, f32x4.sub(one, sg)), f32x4.splat(a));
    }
    case 2: {
      const v = f32x4.pmax(f32x4.sub(f32x4.splat(a), f32x4.mul(ax, f32x4.splat(a * a))), zero);
      return v128.and(v, f32x4.le(ax, f32x4.splat(1 / a)));
    }
    case 3:
      return f32x4.mul(expV(f32x4.mul(ax, f32x4.splat(-a))), f32x4.splat(a / 2));
    case 4: {
      const d = f32x4.add(ax, f32x4.splat(1 / a));
      return f32x4.div(f32x4.splat(1 / (2 * a)), f32x4.mul(d, d));
    }
    case 5: {
      const d = f32x4.add(ax, one);
      return f32x4.div(f32x4.splat(a), f32x4.mul(d, d));
    }
    case 6: {
      const z = f32x4.mul(x, f32x4.splat(a));
      return f32x4.mul(expV(f32x4.neg(f32x4.mul(z, z))), f32x4.splat(a / Mathf.sqrt(Mathf.PI)));
    }
    default:
      return v128.and(f32x4.splat(a), f32x4.lt(ax, f32x4.splat(0.5 / a)));
  }
}

/**
 * BPTT through the fused forward. gs: dL/dS [T, n]; h: saved H [T, n]; gx out [T, n], or with
 * `accumulate` [n] summed over the steps (from the last, as BPTT runs: the gradient of a constant
 * input); gv: [n] dL/dV after the last step in (usually 0), dL/dV0 out.
 */
export function neuronBackward(
  gs: usize,
  h: usize,
  gx: usize,
  gv: usize,
  T: i32,
  n: i32,
  stride: i32,
  cv: f32,
  cx: f32,
  vth: f32,
  vReset: f32,
  soft: bool,
  detachReset: bool,
  surrogateId: i32,
  alpha: f32,
  accumulate: bool,
): void {
  const th = f32x4.splat(vth);
  const vr = f32x4.splat(vReset);
  const dHdX = f32x4.splat(cx);
  const dHdV = f32x4.splat(cv);
  const rowBytes = (<usize>stride) << 2;
  // column blocks, steps, then the block's columns, as in the forward; dL/dV lives in gv[]
  for (let c0 = 0; c0 < n; c0 += BLOCK) {
    const c1 = min(n, c0 + BLOCK);
    for (let t = T - 1; t >= 0; t--) {
      const row = <usize>t * rowBytes;
      const first = t === T - 1;
      for (let i = c0; i < c1; i += 4) {
        const off = (<usize>i) << 2;
        const go = accumulate ? gx + off : gx + row + off;
        const g = backwardStep(gs + row + off, h + row + off, go, v128.load(gv + off), first, th, vr, dHdX, dHdV, soft, detachReset, surrogateId, alpha, accumulate);
        v128.store(gv + off, g);
      }
    }
  }
}

/**
 * One BPTT step of four neurons: from dL/dS at gs, H at h and g = dL/dV after this step, writes dL/dX
 * to gx (added to it with `accumulate`, except at the first step run) and returns dL/dV before it.
 */
@inline
function backwardStep(
  gs: usize,
  h: usize,
  gx: usize,
  g: v128,
  first: bool,
  th: v128,
  vr: v128,
  dHdX: v128,
  dHdV: v128,
  soft: bool,
  detachReset: bool,
  surrogateId: i32,
  alpha: f32,
  accumulate: bool,
): v128 {
  const one = f32x4.splat(1);
  const hh = v128.load(h);
  const u = f32x4.sub(hh, th);
  const ss = v128.and(f32x4.ge(u, f32x4.splat(0)), one);
  const sg = surrogate(surrogateId, u, alpha);
  let dVdH: v128;
  if (soft) {
    dVdH = detachReset ? one : f32x4.sub(one, f32x4.mul(th, sg));
  } else {
    dVdH = f32x4.sub(one, ss);
    if (!detachReset) dVdH = f32x4.add(dVdH, f32x4.mul(f32x4.sub(vr, hh), sg));
  }
  const gH = f32x4.add(f32x4.mul(v128.load(gs), sg), f32x4.mul(g, dVdH));
  const gxt = f32x4.mul(gH, dHdX);
  v128.store(gx, accumulate && !first ? f32x4.add(v128.load(gx), gxt) : gxt);
  return f32x4.mul(gH, dHdV);
}
