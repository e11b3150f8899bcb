// Micro-benchmark: conv gradient kernels of @synaptogen/wasm-simd vs the stock tfjs-backend-wasm
// routes, on the conv-small / sca-vgg-small layer shapes. Prints JSON. Run after `pnpm build`:
//   node bench/conv.mjs [--batch 256] [--reps 3]
import { readFileSync } from 'node:fs';
import os from 'node:os';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { useWasmSimd } from '../dist/index.js';

tf.env().set('PROD', true);
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const batch = arg('batch', 256);
const reps = arg('reps', 3);
const cores = os.availableParallelism();
const _threadCounts = [...new Set([1, cores])];

// Peak of this machine for 128-bit wasm SIMD without FMA (per cycle: two f32x4 mul + two f32x4 add
// on AMD Zen 4 / recent Intel cores) and, for reference, of native AVX-512 FMA (two 16-lane FMAs).
function cpuGHz() {
  try {
    const mhz = readFileSync('/proc/cpuinfo', 'utf8').match(/cpu MHz\s*:\s*([\d.]+)/);
    if (mhz) return Number(mhz[1]) / 1000;
  } catch {}
  return null;
}
const ghz = cpuGHz();
const machine = {
  cpu: os.cpus()[0]?.model,
  cores,
  ghz,
  peakWasmSimd128GflopsPerCore: ghz && +(ghz * 16).toFixed(1),
  peakWasmSimd128Gflops: ghz && +(ghz * 16 * cores).toFixed(1),
  peakNativeAvx512FmaGflops: ghz && +(ghz * 64 * cores).toFixed(1),
};

const shapes = [
  { name: '32x32x64->128', h: 32, ci: 64, co: 128 },
  { name: '16x16x128->256', h: 16, ci: 128, co: 256 },
  { name: '8x8x256->256', h: 8, ci: 256, co: 256 },
];

function time(fn) {
  fn(); // warm-up (also JIT, memory growth)
  const ts = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[0];
}

const run = (fn) => () => tf.tidy(() => fn().dataSync());

// The only stock route to a filter gradient on wasm: per tap, a strided slice of the padded input
// times dy (matMul with transposeA), stacked into [kh, kw, ci, co].
function stockFilterGrad(x, dy, k, stride, pad) {
  const [n, h, w, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const xp = tf.pad(x, [
    [0, 0],
    [pad, pad],
    [pad, pad],
    [0, 0],
  ]);
  const dy2 = tf.reshape(dy, [n * oh * ow, co]);
  const taps = [];
  for (let r = 0; r < k; r++) {
    for (let s = 0; s < k; s++) {
      const sl = tf.stridedSlice(
        xp,
        [0, r, s, 0],
        [n, r + (oh - 1) * stride + 1, s + (ow - 1) * stride + 1, ci],
        [1, stride, stride, 1],
      );
      taps.push(tf.matMul(tf.reshape(sl, [n * oh * ow, ci]), dy2, true, false));
    }
  }
  void h;
  void w;
  return tf.reshape(tf.stack(taps), [k, k, ci, co]);
}

await tf.setBackend('wasm');
await tf.ready();
const results = [];
for (const s of shapes) {
  const x = tf.randomUniform([batch, s.h, s.h, s.ci], -1, 1, 'float32', 1);
  const w = tf.randomUniform([3, 3, s.ci, s.co], -1, 1, 'float32', 2);
  const dy = tf.randomUniform([batch, s.h, s.h, s.co], -1, 1, 'float32', 3);
  const flop = 2 * batch * s.h * s.h * 9 * s.ci * s.co;
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined };
  const row = { shape: s.name, batch, gflop: flop / 1e9 };
  const gf = (ms) => +(flop / ms / 1e6).toFixed(2);

  const fwd = time(run(() => tf.conv2d(x, w, 1, 'same')));
  row.stockForward = { ms: +fwd.toFixed(1), gflops: gf(fwd) };
  const stockIn = time(
    run(() =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }),
    ),
  );
  row.stockBackpropInput = { ms: +stockIn.toFixed(1), gflops: gf(stockIn) };
  const stockF = time(run(() => stockFilterGrad(x, dy, 3, 1, 1)));
  row.stockFilterGradSliceMatMul = { ms: +stockF.toFixed(1), gflops: gf(stockF) };

  const reg = await useWasmSimd();
  const ourIn = time(
    run(() =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }),
    ),
  );
  row.simdBackpropInput = {
    ms: +ourIn.toFixed(1),
    gflops: gf(ourIn),
    speedup: +(stockIn / ourIn).toFixed(2),
  };
  const ourF = time(
    run(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape })),
  );
  row.simdBackpropFilter = { ms: +ourF.toFixed(1), gflops: gf(ourF), speedup: +(stockF / ourF).toFixed(2) };
  reg.unregister();
  tf.dispose([x, w, dy]);
  results.push(row);
  console.error(JSON.stringify(row));
}
console.log(
  JSON.stringify(
    { bench: 'wasm-simd conv gradients (3x3, stride 1, same)', machine, reps, results },
    null,
    2,
  ),
);
