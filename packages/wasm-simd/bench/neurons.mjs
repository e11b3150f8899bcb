// Micro-benchmark: fused multi-step LIF (forward + BPTT in one kernel each) vs the op-by-op tfjs
// formulation on the stock wasm backend. Prints JSON. Run after `pnpm build`:
//   node bench/neurons.mjs [--t 4] [--n 1048576] [--reps 5]
import './register-gradients.mjs';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { spikingNeuron, useWasmSimd } from '../dist/index.js';

tf.env().set('PROD', true);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const T = arg('t', 4);
const N = arg('n', 64 * 16 * 16 * 64);
const reps = arg('reps', 5);

// Op-by-op LIF (τ = 2, hard reset 0, atan surrogate, detach reset), as @synaptogen/neurons builds it.
const sc = (v) => tf.scalar(v);
const heaviside = tf.customGrad((u, save) => {
  save([u]);
  return {
    value: tf.cast(tf.greaterEqual(u, sc(0)), 'float32'),
    gradFunc: (dy, [s]) => tf.mul(dy, tf.div(sc(1), tf.add(sc(1), tf.square(tf.mul(s, sc(Math.PI)))))),
  };
});
const detach = tf.customGrad((x) => ({ value: tf.add(x, sc(0)), gradFunc: (dy) => tf.zerosLike(dy) }));
function opByOp(x) {
  let v = null;
  const out = [];
  for (const xt of tf.unstack(x)) {
    const h = v ? tf.add(v, tf.mul(tf.sub(xt, v), sc(0.5))) : tf.mul(xt, sc(0.5));
    const s = heaviside(tf.sub(h, sc(1)));
    v = tf.mul(h, tf.sub(sc(1), detach(s)));
    out.push(s);
  }
  return tf.stack(out);
}
const fused = (x) => spikingNeuron(x, { kind: 'LIF', tau: 2, surrogate: 'atan', detachReset: true });

function time(fn) {
  fn();
  const ts = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return Math.min(...ts);
}

await tf.setBackend('wasm');
await useWasmSimd();
const x = tf.randomUniform([T, N], -0.5, 2, 'float32', 1);
const w = tf.randomUniform([T, N], -1, 1, 'float32', 2);
const step = (f) => () =>
  tf.tidy(() =>
    tf
      .grad((a) => tf.sum(tf.mul(f(a), w)))(x)
      .dataSync(),
  );
const fwd = (f) => () => tf.tidy(() => f(x).dataSync());
const r = {
  bench: 'fused LIF vs op-by-op on tfjs-wasm',
  T,
  N,
  opByOpForwardMs: +time(fwd(opByOp)).toFixed(1),
  fusedForwardMs: +time(fwd(fused)).toFixed(1),
  opByOpForwardBackwardMs: +time(step(opByOp)).toFixed(1),
  fusedForwardBackwardMs: +time(step(fused)).toFixed(1),
};
r.forwardSpeedup = +(r.opByOpForwardMs / r.fusedForwardMs).toFixed(2);
r.forwardBackwardSpeedup = +(r.opByOpForwardBackwardMs / r.fusedForwardBackwardMs).toFixed(2);
console.log(JSON.stringify(r, null, 2));
