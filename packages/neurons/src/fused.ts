import { type LinearCharge, NEURON_BACKWARD, NEURON_FORWARD, type NeuronCharge } from '@synaptogen/contracts';
import * as tf from '@tensorflow/tfjs-core';
import type { Surrogate } from './surrogate.js';

/**
 * Fused multi-step BPTT for neurons whose charge is linear: H[t] = cv·V[t−1] + cx·X[t] + c0.
 *
 * Step-by-step, every charge/fire/reset op of every step stays on tfjs' gradient tape with its
 * output (~6 tensors per step, each the size of the layer). Here the whole sequence is one custom
 * op: the forward keeps only H[t] (S[t] = H[t] ≥ V_th is recomputed), and the backward runs the
 * recurrence by hand, from the last step to the first:
 *
 *   dH[t]  = dS[t]·g′(H[t] − V_th) + dV[t]·∂V/∂H + (detachReset ? 0 : dV[t]·∂V/∂S·g′(H[t] − V_th))
 *   dX[t]  = cx·dH[t],   dV[t−1] = cv·dH[t]
 *
 * with ∂V/∂H = 1 − S, ∂V/∂S = V_reset − H for a hard reset and ∂V/∂H = 1, ∂V/∂S = −V_th for a soft one.
 */
export type { LinearCharge };

/**
 * A charge that native fused kernels know by name (`@synaptogen/wasm-simd` runs IF and LIF), sent
 * to them with the reset and surrogate settings: the contract's `NeuronCharge`. A kernel refuses any
 * other description.
 */
export type NativeCharge = NeuronCharge;

export interface FusedNeuron {
  charge: LinearCharge;
  vThreshold: number;
  /** null: soft reset. */
  vReset: number | null;
  detachReset: boolean;
  surrogate: Surrogate;
}

/** Kernel names a backend may register to run the fused op natively (`@synaptogen/wasm-simd` does). */
export const FUSED_NEURON_FORWARD = NEURON_FORWARD;
export const FUSED_NEURON_BACKWARD = NEURON_BACKWARD;

export interface FusedResult {
  spikes: tf.Tensor;
  /** The membrane after the last step, outside the gradient graph. */
  vLast: tf.Tensor;
}

/** Observer hook: called once per step in the forward pass with S, V (after reset) and H. */
export type FusedObserver = (t: number, spike: tf.Tensor, v: tf.Tensor, h: tf.Tensor) => void;

function reset(n: FusedNeuron, h: tf.Tensor, s: tf.Tensor): tf.Tensor {
  if (n.vReset === null) return tf.sub(h, tf.mul(s, n.vThreshold));
  if (n.vReset === 0) return tf.mul(h, tf.sub(1, s));
  return tf.add(tf.mul(s, n.vReset), tf.mul(tf.sub(1, s), h));
}

/**
 * Runs the neuron over T steps starting from V = `v0` (a number: the initial potential).
 * `x` is `[T, N, ...]`, or `[N, ...]` with `steps` set for direct encoding (the same input each step).
 */
export function fusedMultiStep(
  n: FusedNeuron,
  x: tf.Tensor,
  v0: number,
  steps: number | null,
  observe?: FusedObserver,
): FusedResult {
  if (!observe && n.surrogate.derivativeAt) return fusedLoops(n, x, v0, steps);
  const T = steps ?? x.shape[0];
  const constant = steps !== null;
  const { cv, cx, c0 } = n.charge;
  let vLast: tf.Tensor | null = null;

  const op = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const xs = constant ? null : tf.unstack(xi);
    const hs: tf.Tensor[] = [];
    const ss: tf.Tensor[] = [];
    let v: tf.Tensor | null = null;
    for (let t = 0; t < T; t++) {
      const xt = constant ? xi : xs![t];
      const prev: tf.Tensor | null = v;
      const out: { h: tf.Tensor; s: tf.Tensor; v: tf.Tensor } = tf.tidy(() => {
        const charged = tf.mul(xt, cx);
        const h: tf.Tensor = prev ? tf.add(tf.mul(prev, cv), charged) : tf.add(charged, cv * v0);
        const hc: tf.Tensor = c0 !== 0 ? tf.add(h, c0) : h;
        const s = tf.cast(tf.greaterEqual(hc, n.vThreshold), 'float32');
        const vNext = reset(n, hc, s);
        observe?.(t, s, vNext, hc);
        return { h: hc, s, v: vNext };
      });
      prev?.dispose();
      hs.push(out.h);
      ss.push(out.s);
      v = out.v;
    }
    xs?.forEach((t) => {
      t.dispose();
    });
    const H = tf.stack(hs);
    const S = tf.stack(ss);
    tf.dispose([...hs, ...ss]);
    vLast = tf.keep(v!);
    save([H]);
    return {
      value: S,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => backward(n, dy, saved[0], constant),
    };
  }) as any) as (x: tf.Tensor) => tf.Tensor;

  const spikes = op(x);
  return { spikes, vLast: vLast! };
}

function backward(n: FusedNeuron, dS: tf.Tensor, H: tf.Tensor, constant: boolean): tf.Tensor {
  const { cv, cx } = n.charge;
  const T = H.shape[0];
  const hs = tf.unstack(H);
  const ds = tf.unstack(dS);
  const dxs: tf.Tensor[] = new Array(T);
  let dv: tf.Tensor | null = null;
  let dxSum: tf.Tensor | null = null;
  for (let t = T - 1; t >= 0; t--) {
    const dvNext: tf.Tensor | null = dv;
    const out: { dx: tf.Tensor; dv: tf.Tensor } = tf.tidy(() => {
      const h = hs[t];
      const centered = tf.sub(h, n.vThreshold);
      const sg = n.surrogate.derivative(centered);
      let dh = tf.mul(ds[t], sg);
      if (dvNext) {
        let dvdh: tf.Tensor | number;
        let dvds: tf.Tensor | number;
        if (n.vReset === null) {
          dvdh = 1;
          dvds = -n.vThreshold;
        } else {
          const s = tf.cast(tf.greaterEqual(centered, 0), 'float32');
          dvdh = tf.sub(1, s);
          dvds = tf.sub(n.vReset, h);
        }
        dh = tf.add(dh, dvdh === 1 ? dvNext : tf.mul(dvNext, dvdh));
        if (!n.detachReset) dh = tf.add(dh, tf.mul(tf.mul(dvNext, dvds), sg));
      }
      return { dx: cx === 1 ? dh : tf.mul(dh, cx), dv: cv === 1 ? tf.clone(dh) : tf.mul(dh, cv) };
    });
    dvNext?.dispose();
    dv = out.dv;
    if (constant) {
      const prevSum: tf.Tensor | null = dxSum;
      dxSum = prevSum ? tf.add(prevSum, out.dx) : out.dx;
      if (prevSum) {
        prevSum.dispose();
        out.dx.dispose();
      }
    } else {
      dxs[t] = out.dx;
    }
  }
  (dv as tf.Tensor | null)?.dispose();
  tf.dispose([...hs, ...ds]);
  if (constant) return dxSum!;
  const dx = tf.stack(dxs);
  tf.dispose(dxs);
  return dx;
}

/**
 * The same op as plain loops over the tensors' data: one pass per direction instead of ~10 tfjs
 * kernels and a copy per time step (the per-step Unpack/Slice/Concat dominated a conv-small step on
 * wasm). Reads are synchronous, which suits the cpu and wasm backends this library targets.
 */
function fusedLoops(n: FusedNeuron, x: tf.Tensor, v0: number, steps: number | null): FusedResult {
  const T = steps ?? x.shape[0];
  const constant = steps !== null;
  const stepShape = constant ? x.shape : x.shape.slice(1);
  const M = constant ? x.size : x.size / T;
  const { cv, cx, c0 } = n.charge;
  const vth = n.vThreshold;
  const vr = n.vReset;
  const g = n.surrogate.derivativeAt!;
  let vLast: tf.Tensor | null = null;

  const op = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const xs = xi.dataSync() as Float32Array;
    const S = new Float32Array(T * M);
    const H = new Float32Array(T * M);
    const v = new Float32Array(M).fill(v0);
    for (let t = 0; t < T; t++) {
      const base = t * M;
      const xo = constant ? 0 : base;
      for (let i = 0; i < M; i++) {
        const h = cv * v[i] + cx * xs[xo + i] + c0;
        const s = h >= vth ? 1 : 0;
        H[base + i] = h;
        S[base + i] = s;
        v[i] = vr === null ? h - s * vth : s ? vr : h;
      }
    }
    const Ht = tf.tensor(H, [T, ...stepShape]);
    vLast = tf.keep(tf.tensor(v, stepShape));
    save([Ht]);
    return {
      value: tf.tensor(S, [T, ...stepShape]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const ds = dy.dataSync() as Float32Array;
        const hs = saved[0].dataSync() as Float32Array;
        const dx = new Float32Array(constant ? M : T * M);
        const dv = new Float32Array(M);
        for (let t = T - 1; t >= 0; t--) {
          const base = t * M;
          const xo = constant ? 0 : base;
          for (let i = 0; i < M; i++) {
            const h = hs[base + i];
            const sg = g(h - vth);
            let dh = ds[base + i] * sg;
            const dvn = dv[i];
            if (dvn !== 0) {
              if (vr === null) {
                dh += n.detachReset ? dvn : dvn - dvn * vth * sg;
              } else {
                const fired = h >= vth;
                dh += fired ? 0 : dvn;
                if (!n.detachReset) dh += dvn * (vr - h) * sg;
              }
            }
            dx[xo + i] += cx * dh;
            dv[i] = cv * dh;
          }
        }
        return tf.tensor(dx, constant ? stepShape : [T, ...stepShape]);
      },
    };
  }) as any) as (x: tf.Tensor) => tf.Tensor;

  const spikes = op(x);
  return { spikes, vLast: vLast! };
}
