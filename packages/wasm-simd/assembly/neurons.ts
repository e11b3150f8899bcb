// Fused multi-step spiking neurons (SpikingJelly semantics, see specs/neurons.md): one call runs
// charge → fire → reset over all T steps of a [T, N] input; the backward runs BPTT over the saved H.
// Modes: 0 = IF (H = V + X), 1 = LIF decay_input (H = V + (X − (V − Vr))·k), 2 = LIF without
// decay_input (H = V − (V − Vr)·k + X), with k = 1/τ. Formulas follow @synaptogen/neurons' order of
// float32 operations so that spikes equal the op-by-op forward bit for bit.

function charge(mode: i32, v: v128, x: v128, k: v128, vr: v128, vrZero: bool): v128 {
  if (mode === 0) return f32x4.add(v, x);
  const leak = vrZero ? v : f32x4.sub(v, vr);
  if (mode === 1) return f32x4.add(v, f32x4.mul(f32x4.sub(x, leak), k));
  return f32x4.add(f32x4.sub(v, f32x4.mul(leak, k)), x);
}

function reset(h: v128, s: v128, vth: v128, vr: v128, soft: bool, vrZero: bool): v128 {
  const one = f32x4.splat(1);
  if (soft) return f32x4.sub(h, f32x4.mul(s, vth));
  if (vrZero) return f32x4.mul(h, f32x4.sub(one, s));
  return f32x4.add(f32x4.mul(s, vr), f32x4.mul(f32x4.sub(one, s), h));
}

/**
 * Forward over T steps for `n` neurons (n multiple of 4; the caller pads). x, s, h: [T, stride]
 * (a column range of a wider array when threads split the neurons); v: [n] initial potential in,
 * final potential out.
 */
export function neuronForward(
  x: usize,
  s: usize,
  h: usize,
  v: usize,
  T: i32,
  n: i32,
  stride: i32,
  mode: i32,
  k: f32,
  vth: f32,
  vReset: f32,
  soft: bool,
): void {
  const kk = f32x4.splat(k);
  const th = f32x4.splat(vth);
  const vr = f32x4.splat(vReset);
  const one = f32x4.splat(1);
  const vrZero = vReset === 0;
  const rowBytes = (<usize>stride) << 2;
  for (let i = 0; i < n; i += 4) {
    const off = (<usize>i) << 2;
    let vv = v128.load(v + off);
    for (let t = 0; t < T; t++) {
      const o = <usize>t * rowBytes + off;
      const hh = charge(mode, vv, v128.load(x + o), kk, vr, vrZero);
      // Θ(H − V_th) with Θ(0) = 1, i.e. H ≥ V_th (compared as H − V_th ≥ 0, like the op-by-op path).
      const ss = v128.and(f32x4.ge(f32x4.sub(hh, th), f32x4.splat(0)), one);
      v128.store(h + o, hh);
      v128.store(s + o, ss);
      vv = reset(hh, ss, th, vr, soft, vrZero);
    }
    v128.store(v + off, vv);
  }
}

// Surrogate derivatives g′(x) (ids follow SURROGATES in src/neurons.ts).
function surrogateScalar(id: i32, x: f32, a: f32): f32 {
  const ax = Mathf.abs(x);
  switch (id) {
    case 0: {
      const z = (Mathf.PI / 2) * a * x;
      return a / 2 / (1 + z * z);
    }
    case 1: {
      const sg: f32 = 1 / (1 + Mathf.exp(-(a * x)));
      return sg * (1 - sg) * a;
    }
    case 2:
      return ax <= 1 / a ? Mathf.max(a - ax * (a * a), 0) : 0;
    case 3:
      return Mathf.exp(ax * -a) * (a / 2);
    case 4: {
      const d = ax + 1 / a;
      return 1 / (2 * a) / (d * d);
    }
    case 5: {
      const d = ax + 1;
      return a / (d * d);
    }
    case 6: {
      const z = x * a;
      return Mathf.exp(-(z * z)) * (a / Mathf.sqrt(Mathf.PI));
    }
    default:
      return ax < 0.5 / a ? a : 0;
  }
}

function surrogate(id: i32, x: v128, a: f32): v128 {
  if (id === 0) {
    // atan, fully in SIMD: (α/2) / (1 + (π/2·α·x)²)
    const z = f32x4.mul(x, f32x4.splat((Mathf.PI / 2) * a));
    return f32x4.div(f32x4.splat(a / 2), f32x4.add(f32x4.splat(1), f32x4.mul(z, z)));
  }
  let r = f32x4.splat(0);
  r = f32x4.replace_lane(r, 0, surrogateScalar(id, f32x4.extract_lane(x, 0), a));
  r = f32x4.replace_lane(r, 1, surrogateScalar(id, f32x4.extract_lane(x, 1), a));
  r = f32x4.replace_lane(r, 2, surrogateScalar(id, f32x4.extract_lane(x, 2), a));
  r = f32x4.replace_lane(r, 3, surrogateScalar(id, f32x4.extract_lane(x, 3), a));
  return r;
}

/**
 * BPTT through the fused forward. gs: dL/dS [T, n]; h: saved H [T, n]; gx out [T, n];
 * gv: [n] dL/dV after the last step in (usually 0), dL/dV0 out.
 */
export function neuronBackward(
  gs: usize,
  h: usize,
  gx: usize,
  gv: usize,
  T: i32,
  n: i32,
  stride: i32,
  mode: i32,
  k: f32,
  vth: f32,
  vReset: f32,
  soft: bool,
  detachReset: bool,
  surrogateId: i32,
  alpha: f32,
): void {
  const th = f32x4.splat(vth);
  const vr = f32x4.splat(vReset);
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  const dHdX = f32x4.splat(mode === 1 ? k : 1);
  const dHdV = f32x4.splat(mode === 0 ? 1 : 1 - k);
  const rowBytes = (<usize>stride) << 2;
  for (let i = 0; i < n; i += 4) {
    const off = (<usize>i) << 2;
    let g = v128.load(gv + off);
    for (let t = T - 1; t >= 0; t--) {
      const o = <usize>t * rowBytes + off;
      const hh = v128.load(h + o);
      const u = f32x4.sub(hh, th);
      const ss = v128.and(f32x4.ge(u, zero), one);
      const sg = surrogate(surrogateId, u, alpha);
      let dVdH: v128;
      if (soft) {
        dVdH = detachReset ? one : f32x4.sub(one, f32x4.mul(th, sg));
      } else {
        dVdH = f32x4.sub(one, ss);
        if (!detachReset) dVdH = f32x4.add(dVdH, f32x4.mul(f32x4.sub(vr, hh), sg));
      }
      const gH = f32x4.add(f32x4.mul(v128.load(gs + o), sg), f32x4.mul(g, dVdH));
      v128.store(gx + o, f32x4.mul(gH, dHdX));
      g = f32x4.mul(gH, dHdV);
    }
    v128.store(gv + off, g);
  }
}
