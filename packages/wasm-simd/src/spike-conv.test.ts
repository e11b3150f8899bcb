import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConvGeometry } from './conv.js';
import { geometryFromInfo } from './kernels/wasm-backend.js';
import { loadKernels } from './runtime.js';
import {
  conv2dBackpropFilterSpikes,
  conv2dSpikes,
  SPIKE_FILTER_WINOGRAD_DENSITY_MAX,
  SPIKE_FORWARD_DENSITY_MAX,
  SPIKE_FORWARD_WINOGRAD_DENSITY_MAX,
  spikeFilterDensityMax,
  spikeForwardDensityMax,
} from './spike-conv.js';
import { seededRange } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

/** Binary spikes with about `rate` ones. */
const random = (n: number, seed: number) => seededRange(n, seed, 0, 1);
const spikes = (n: number, rate: number, seed: number) => random(n, seed).map((v) => (v < rate ? 1 : 0));
const uniform = (n: number, seed: number) => random(n, seed).map((v) => 2 * v - 1);

function maxRelErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
}

function onCpu(fn: () => tf.TypedArray): tf.TypedArray {
  const prev = tf.getBackend();
  tf.setBackend('cpu');
  try {
    return tf.tidy(fn);
  } finally {
    tf.setBackend(prev);
  }
}

interface Case {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
}
const cases: Case[] = [
  {
    name: '3x3 s1 same, 32→64 (8-accumulator path)',
    x: [2, 8, 8, 32],
    f: [3, 3, 32, 64],
    stride: 1,
    pad: 'same',
  },
  { name: '3x3 s2 valid, 6→12 (4-wide path)', x: [2, 9, 9, 6], f: [3, 3, 6, 12], stride: 2, pad: 'valid' },
  // stride 1, outC % 32 = 0: the channel-major filter gradient, with margins around dy
  { name: '3x2 s1 valid, 8→32 (channel-major)', x: [2, 7, 9, 8], f: [3, 2, 8, 32], stride: 1, pad: 'valid' },
  {
    name: '2x2 s1 same, 5→32 (channel-major, uneven pad)',
    x: [3, 6, 5, 5],
    f: [2, 2, 5, 32],
    stride: 1,
    pad: 'same',
  },
  { name: '1x1 s1, 16→36 (both paths)', x: [3, 5, 5, 16], f: [1, 1, 16, 36], stride: 1, pad: 'valid' },
];

function geometry(c: Case): ConvGeometry {
  return geometryFromInfo(tf.backend_util.computeConv2DInfo(c.x, c.f, c.stride, 1, c.pad), 'test');
}

let reg: WasmSimdRegistration;
beforeAll(async () => {
  await tf.setBackend('wasm');
  reg = await useWasmSimd();
});
afterAll(() => reg.unregister());

describe('spike-aware conv kernels (binary inputs, zeros skipped)', () => {
  for (const c of cases) {
    it(`forward and filter gradient equal tfjs cpu: ${c.name}`, async () => {
      const k = await loadKernels({ threads: 2 });
      const g = geometry(c);
      const x = spikes(
        c.x.reduce((a, b) => a * b),
        0.15,
        3,
      );
      const w = uniform(
        c.f.reduce((a, b) => a * b),
        4,
      );
      const dyLen = g.batch * g.outH * g.outW * g.outC;
      const dy = uniform(dyLen, 5);
      const refY = onCpu(() =>
        tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(w, c.f), c.stride, c.pad).dataSync(),
      );
      const refDw = onCpu(() => {
        const xt = tf.tensor4d(x, c.x);
        const dyt = tf.tensor4d(dy, [g.batch, g.outH, g.outW, g.outC]);
        const loss = (f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xt, f as tf.Tensor4D, c.stride, c.pad), dyt));
        return tf.grad(loss)(tf.tensor4d(w, c.f)).dataSync();
      });
      const y = conv2dSpikes(k, x, w, g, new Float32Array(dyLen));
      expect(y).not.toBeNull();
      expect(maxRelErr(y as Float32Array, refY as Float32Array)).toBeLessThan(1e-5);
      const dw = conv2dBackpropFilterSpikes(k, x, dy, g, new Float32Array(w.length));
      expect(dw).not.toBeNull();
      expect(maxRelErr(dw as Float32Array, refDw as Float32Array)).toBeLessThan(1e-5);
      // through tfjs on the wasm backend: the registered Conv2D takes the spike path
      const viaTf = tf.tidy(() =>
        tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(w, c.f), c.stride, c.pad).dataSync(),
      );
      expect(maxRelErr(viaTf as Float32Array, refY as Float32Array)).toBeLessThan(1e-5);
    });
  }

  it('declines non-binary, dense, or outC % 4 ≠ 0 inputs (the dense kernels run instead)', async () => {
    const k = await loadKernels({ threads: 1 });
    const c = cases[0];
    const g = geometry(c);
    const n = c.x.reduce((a, b) => a * b);
    const w = uniform(
      c.f.reduce((a, b) => a * b),
      4,
    );
    const out = new Float32Array(g.batch * g.outH * g.outW * g.outC);
    const analog = spikes(n, 0.1, 6);
    analog[5] = 0.5;
    expect(conv2dSpikes(k, analog, w, g, out)).toBeNull();
    // a non-binary value anywhere: in a 16-wide group, in the last row, or NaN
    for (const [at, value] of [
      [n - 1, 2],
      [n >> 1, Number.NaN],
      [17, -1],
    ]) {
      const bad = spikes(n, 0.1, 6);
      bad[at] = value;
      expect(conv2dSpikes(k, bad, w, g, out)).toBeNull();
    }
    expect(conv2dSpikes(k, spikes(n, 0.7, 7), w, g, out)).toBeNull();
    // the filter gradient too (cases[0] takes the channel-major kernel)
    const dy = uniform(out.length, 10);
    const dw = new Float32Array(w.length);
    expect(conv2dBackpropFilterSpikes(k, analog, dy, g, dw)).toBeNull();
    expect(conv2dBackpropFilterSpikes(k, spikes(n, 0.7, 7), dy, g, dw)).toBeNull();
    expect(conv2dBackpropFilterSpikes(k, spikes(n, 0.4, 7), dy, g, dw)).not.toBeNull();
    expect(
      conv2dSpikes(k, spikes(n, 0.1, 8), w.subarray(0, 9 * 32 * 62), { ...g, outC: 62 }, out),
    ).toBeNull();
    // and tf.conv2d on analog input still equals the cpu result (stock kernel behind ours)
    const xa = uniform(n, 9);
    const ref = onCpu(() => tf.conv2d(tf.tensor4d(xa, c.x), tf.tensor4d(w, c.f), 1, 'same').dataSync());
    const got = tf.tidy(() => tf.conv2d(tf.tensor4d(xa, c.x), tf.tensor4d(w, c.f), 1, 'same').dataSync());
    expect(maxRelErr(got as Float32Array, ref as Float32Array)).toBeLessThan(1e-5);
  });
});

describe('hand-over to Winograd (the dense fallback of stride-1 3×3 convs)', () => {
  it("lowers the spike kernels' density limits only where the fallback runs Winograd", async () => {
    const g = geometry(cases[0]); // 3×3 stride 1, 32→64
    expect(spikeForwardDensityMax(g)).toBe(SPIKE_FORWARD_WINOGRAD_DENSITY_MAX);
    expect(spikeForwardDensityMax(g, { winograd: false })).toBe(SPIKE_FORWARD_DENSITY_MAX);
    expect(spikeForwardDensityMax(geometry(cases[1]))).toBe(SPIKE_FORWARD_DENSITY_MAX); // stride 2
    expect(spikeFilterDensityMax(g)).toBe(SPIKE_FILTER_WINOGRAD_DENSITY_MAX);
    expect(spikeFilterDensityMax(g, { winograd: false })).toBeUndefined();
    expect(spikeFilterDensityMax(geometry(cases[2]))).toBeUndefined(); // 3×2
    // 40% ones: declined at the Winograd limit, taken at the GEMM's
    const k = await loadKernels({ threads: 1 });
    const c = cases[0];
    const x = spikes(
      c.x.reduce((a, b) => a * b),
      0.4,
      11,
    );
    const w = uniform(
      c.f.reduce((a, b) => a * b),
      12,
    );
    const out = new Float32Array(g.batch * g.outH * g.outW * g.outC);
    expect(conv2dSpikes(k, x, w, g, out, spikeForwardDensityMax(g))).toBeNull();
    expect(conv2dSpikes(k, x, w, g, out, spikeForwardDensityMax(g, { winograd: false }))).not.toBeNull();
    const dy = uniform(out.length, 13);
    const dw = new Float32Array(w.length);
    expect(conv2dBackpropFilterSpikes(k, x, dy, g, dw, spikeFilterDensityMax(g))).toBeNull();
    expect(
      conv2dBackpropFilterSpikes(k, x, dy, g, dw, spikeFilterDensityMax(g, { winograd: false })),
    ).not.toBeNull();
  });
});
