// Micro-benchmark: spike-aware conv forward / filter gradient vs the dense routes (stock XNNPACK
// Conv2D, our GEMM filter gradient) on sca-vgg-small layer shapes at several spike densities.
// Prints JSON. Run after `pnpm build`:  node bench/spike-conv.mjs [--batch 32]
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {
  conv2dBackpropFilter,
  conv2dBackpropFilterSpikes,
  conv2dSpikes,
  loadKernels,
} from '../dist/index.js';

tf.env().set('PROD', true);
await tf.setBackend('wasm');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const batch = arg('batch', 32);
const k = await loadKernels();
const best = (fn, reps = 2) => {
  fn();
  let t = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  return t;
};
const shapes = [
  { name: '32x32 64->128', hw: 32, ci: 64, co: 128 },
  { name: '16x16 128->256', hw: 16, ci: 128, co: 256 },
  { name: '8x8 256->256', hw: 8, ci: 256, co: 256 },
];
const rows = [];
for (const s of shapes) {
  const g = {
    batch,
    inH: s.hw,
    inW: s.hw,
    inC: s.ci,
    outH: s.hw,
    outW: s.hw,
    outC: s.co,
    kH: 3,
    kW: 3,
    strideH: 1,
    strideW: 1,
    padTop: 1,
    padLeft: 1,
  };
  const w = new Float32Array(9 * s.ci * s.co).map((_, i) => Math.sin(i));
  const dy = new Float32Array(batch * s.hw * s.hw * s.co).map((_, i) => Math.cos(i));
  const out = new Float32Array(batch * s.hw * s.hw * s.co);
  const dw = new Float32Array(w.length);
  for (const density of [0.05, 0.1, 0.2, 0.3]) {
    let seed = 1;
    const x = new Float32Array(batch * s.hw * s.hw * s.ci).map(() => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32 < density ? 1 : 0;
    });
    const xt = tf.tensor4d(x, [batch, s.hw, s.hw, s.ci]);
    const wt = tf.tensor4d(w, [3, 3, s.ci, s.co]);
    const stockFwd = best(() => tf.tidy(() => tf.conv2d(xt, wt, 1, 'same').dataSync()));
    const spikeFwd = best(() => conv2dSpikes(k, x, w, g, out, 1));
    const denseFilter = best(() => conv2dBackpropFilter(k, x, dy, g, dw));
    const spikeFilter = best(() => conv2dBackpropFilterSpikes(k, x, dy, g, dw, 1));
    tf.dispose([xt, wt]);
    rows.push({
      shape: s.name,
      batch,
      density,
      stockFwdMs: +stockFwd.toFixed(1),
      spikeFwdMs: +spikeFwd.toFixed(1),
      denseFilterMs: +denseFilter.toFixed(1),
      spikeFilterMs: +spikeFilter.toFixed(1),
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
}
console.log(JSON.stringify({ threads: k.threads, rows }, null, 2));
