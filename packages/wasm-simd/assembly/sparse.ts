// Event-driven sparse inference of a feed-forward spiking net: weights in CSR (one row per input),
// spikes as event lists (indices of the neurons that fired), membranes advanced once per step.
// The network is a table of layer records (16 i32 words each) written by src/sparse.ts:
//   Linear: [1, in, out, rowPtr*, cols*, vals*, bias* | 0, outOff]
//   Neuron: [2, n, charge form (charge.ts), k (f32 bits), vth (f32), vReset (f32), soft, vOff, evOff, countOff]
// `*` = absolute pointer (shared read-only weights); `Off` = offset into the calling thread's scratch.
// Float32 operations follow the fused neuron kernel (neurons.ts) and a k-ascending dot product, so
// spikes equal the tfjs forward pass.

import { charge1, charge4 } from './charge';

const REC: usize = 64;

@inline function word(rec: usize, i: i32): i32 {
  return load<i32>(rec + ((<usize>i) << 2));
}

@inline function fword(rec: usize, i: i32): f32 {
  return load<f32>(rec + ((<usize>i) << 2));
}

/** out = x · W for a dense analog input (zeros skipped), then + bias. */
function linearDense(rec: usize, x: usize, scratch: usize): void {
  const inN = word(rec, 1);
  const outN = word(rec, 2);
  const rowPtr = <usize>word(rec, 3);
  const cols = <usize>word(rec, 4);
  const vals = <usize>word(rec, 5);
  const out = scratch + <usize>word(rec, 7);
  memory.fill(out, 0, (<usize>outN) << 2);
  for (let i = 0; i < inN; i++) {
    const xi = load<f32>(x + ((<usize>i) << 2));
    if (xi == 0) continue;
    const e1 = load<i32>(rowPtr + ((<usize>(i + 1)) << 2));
    for (let e = load<i32>(rowPtr + ((<usize>i) << 2)); e < e1; e++) {
      const o = out + ((<usize>load<i32>(cols + ((<usize>e) << 2))) << 2);
      store<f32>(o, load<f32>(o) + xi * load<f32>(vals + ((<usize>e) << 2)));
    }
  }
  addBias(rec, out, outN);
}

/** out = Σ W[i, :] over the input events i (binary spikes), then + bias. */
function linearEvents(rec: usize, ev: usize, count: i32, scratch: usize): void {
  const outN = word(rec, 2);
  const rowPtr = <usize>word(rec, 3);
  const cols = <usize>word(rec, 4);
  const vals = <usize>word(rec, 5);
  const out = scratch + <usize>word(rec, 7);
  memory.fill(out, 0, (<usize>outN) << 2);
  for (let j = 0; j < count; j++) {
    const i = load<i32>(ev + ((<usize>j) << 2));
    const e1 = load<i32>(rowPtr + ((<usize>(i + 1)) << 2));
    for (let e = load<i32>(rowPtr + ((<usize>i) << 2)); e < e1; e++) {
      const o = out + ((<usize>load<i32>(cols + ((<usize>e) << 2))) << 2);
      store<f32>(o, load<f32>(o) + load<f32>(vals + ((<usize>e) << 2)));
    }
  }
  addBias(rec, out, outN);
}

@inline function addBias(rec: usize, out: usize, outN: i32): void {
  const bias = <usize>word(rec, 6);
  if (bias == 0) return;
  for (let j = 0; j < outN; j++) {
    const o = out + ((<usize>j) << 2);
    store<f32>(o, load<f32>(o) + load<f32>(bias + ((<usize>j) << 2)));
  }
}

/** Appends the lanes of `fire` that are set (−1) as neuron indices i..i+3, in order. */
@inline function pushLanes(fire: v128, i: i32, ev: usize, count: i32): i32 {
  let c = count;
  if (i32x4.extract_lane(fire, 0) != 0) {
    store<i32>(ev + ((<usize>c) << 2), i);
    c++;
  }
  if (i32x4.extract_lane(fire, 1) != 0) {
    store<i32>(ev + ((<usize>c) << 2), i + 1);
    c++;
  }
  if (i32x4.extract_lane(fire, 2) != 0) {
    store<i32>(ev + ((<usize>c) << 2), i + 2);
    c++;
  }
  if (i32x4.extract_lane(fire, 3) != 0) {
    store<i32>(ev + ((<usize>c) << 2), i + 3);
    c++;
  }
  return c;
}

/**
 * One step of charge → fire → reset on input current `x` [n]; writes the event list, returns its size.
 * Four neurons per SIMD step (spikes are rare, so a group without one costs no branch per neuron);
 * the same float32 operations in the same order as the scalar tail.
 */
function neuronStep(rec: usize, x: usize, scratch: usize): i32 {
  const n = word(rec, 1);
  const form = word(rec, 2);
  const k = fword(rec, 3);
  const vth = fword(rec, 4);
  const vr = fword(rec, 5);
  const soft = word(rec, 6) != 0;
  const v = scratch + <usize>word(rec, 7);
  const ev = scratch + <usize>word(rec, 8);
  const vrZero = vr == 0;
  const kv = f32x4.splat(k);
  const vthv = f32x4.splat(vth);
  const vrv = f32x4.splat(vr);
  const zero = f32x4.splat(0);
  let count = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    const vv = v128.load(v + o);
    const xx = v128.load(x + o);
    let h = charge4(form, vv, xx, kv, vrv, vrZero);
    // Θ(H − V_th) with Θ(0) = 1; the reset of a silent neuron leaves H unchanged.
    const d = f32x4.sub(h, vthv);
    const fire = f32x4.ge(d, zero);
    if (v128.any_true(fire)) {
      h = v128.bitselect(soft ? d : vrv, h, fire);
      count = pushLanes(fire, i, ev, count);
    }
    v128.store(v + o, h);
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const vv = load<f32>(v + o);
    const xx = load<f32>(x + o);
    let h = charge1(form, vv, xx, k, vr, vrZero);
    if (h - vth >= 0) {
      store<i32>(ev + ((<usize>count) << 2), i);
      count++;
      h = soft ? h - vth : vr;
    }
    store<f32>(v + o, h);
  }
  store<i32>(scratch + <usize>word(rec, 9), count);
  return count;
}

/**
 * Samples [s0, s1) of input x [S, inF] (static, fed at every step) → out [S, outF]: the spike rate
 * when the net ends in neurons, else the mean over T of the last layer. Layers before `firstTemporal`
 * (all Linear) run once per sample. `acc` = scratch offset of the [outF] accumulator.
 */
export function sparseNetRange(
  desc: usize,
  layers: i32,
  firstTemporal: i32,
  T: i32,
  x: usize,
  inF: i32,
  out: usize,
  outF: i32,
  s0: i32,
  s1: i32,
  scratch: usize,
  acc: i32,
): void {
  const accPtr = scratch + <usize>acc;
  const lastRec = desc + <usize>(layers - 1) * REC;
  const endsInNeuron = word(lastRec, 0) == 2;
  for (let s = s0; s < s1; s++) {
    // Static part: dense input through the Linear layers before the first neuron.
    let cur = x + ((<usize>s * <usize>inF) << 2);
    for (let l = 0; l < firstTemporal; l++) {
      const rec = desc + <usize>l * REC;
      linearDense(rec, cur, scratch);
      cur = scratch + <usize>word(rec, 7);
    }
    const staticOut = cur;
    for (let l = firstTemporal; l < layers; l++) {
      const rec = desc + <usize>l * REC;
      if (word(rec, 0) != 2) continue;
      const v = scratch + <usize>word(rec, 7);
      const init: f32 = word(rec, 6) != 0 ? 0 : fword(rec, 5);
      for (let i = 0; i < word(rec, 1); i++) store<f32>(v + ((<usize>i) << 2), init);
    }
    memory.fill(accPtr, 0, (<usize>outF) << 2);
    for (let t = 0; t < T; t++) {
      let dense = staticOut;
      let ev: usize = 0;
      let count = -1; // −1: the current signal is dense
      for (let l = firstTemporal; l < layers; l++) {
        const rec = desc + <usize>l * REC;
        if (word(rec, 0) == 2) {
          count = neuronStep(rec, dense, scratch);
          ev = scratch + <usize>word(rec, 8);
        } else {
          if (count < 0) linearDense(rec, dense, scratch);
          else linearEvents(rec, ev, count, scratch);
          dense = scratch + <usize>word(rec, 7);
          count = -1;
        }
      }
      if (endsInNeuron) {
        for (let j = 0; j < count; j++) {
          const o = accPtr + ((<usize>load<i32>(ev + ((<usize>j) << 2))) << 2);
          store<f32>(o, load<f32>(o) + 1);
        }
      } else {
        for (let j = 0; j < outF; j++) {
          const o = (<usize>j) << 2;
          store<f32>(accPtr + o, load<f32>(accPtr + o) + load<f32>(dense + o));
        }
      }
    }
    const dst = out + ((<usize>s * <usize>outF) << 2);
    const tf = <f32>T;
    for (let j = 0; j < outF; j++) {
      store<f32>(dst + ((<usize>j) << 2), load<f32>(accPtr + ((<usize>j) << 2)) / tf);
    }
  }
}
