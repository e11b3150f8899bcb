import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConvGeometry,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  conv2dForward,
  winogradApplies,
} from './conv.js';
import { geometryFromInfo } from './kernels/wasm-backend.js';
import { loadKernels } from './runtime.js';
import { seededMulberry } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

/** Deterministic uniform(-1, 1) values (mulberry32). */
const random = (n: number, seed: number) => seededMulberry(n, seed, -1, 1);

function maxRelErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
}

type Pad = 'same' | 'valid' | number;
interface Case {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  stride: number | [number, number];
  pad: Pad;
}

const cases: Case[] = [
  { name: '3x3 s1 same ci%4=0', x: [2, 8, 8, 8], f: [3, 3, 8, 16], stride: 1, pad: 'same' },
  { name: '3x3 s1 same odd channels', x: [3, 7, 5, 3], f: [3, 3, 3, 5], stride: 1, pad: 'same' },
  // Winograd: odd sizes end in half tiles; 'valid' pads the gradient's conv by 2, explicit 2 by 0
  { name: '3x3 s1 same odd sizes', x: [3, 7, 9, 8], f: [3, 3, 8, 12], stride: 1, pad: 'same' },
  { name: '3x3 s1 valid', x: [2, 9, 7, 4], f: [3, 3, 4, 8], stride: 1, pad: 'valid' },
  { name: '3x3 s2 same', x: [2, 9, 8, 4], f: [3, 3, 4, 12], stride: 2, pad: 'same' },
  { name: '3x3 s2 valid', x: [2, 9, 9, 6], f: [3, 3, 6, 8], stride: 2, pad: 'valid' },
  { name: '3x3 s1 explicit pad 2', x: [1, 6, 6, 4], f: [3, 3, 4, 4], stride: 1, pad: 2 },
  { name: '1x1 s1', x: [2, 5, 5, 16], f: [1, 1, 16, 24], stride: 1, pad: 'valid' },
  { name: '1x1 s2', x: [2, 6, 6, 8], f: [1, 1, 8, 4], stride: 2, pad: 'same' },
  { name: '5x3 strides [2,1] same', x: [1, 10, 7, 2], f: [5, 3, 2, 9], stride: [2, 1], pad: 'same' },
  {
    name: 'first layer ci=1, many pixels (several tiles)',
    x: [4, 28, 28, 1],
    f: [3, 3, 1, 32],
    stride: 1,
    pad: 1,
  },
  { name: 'wide channels (several tiles)', x: [2, 16, 16, 64], f: [3, 3, 64, 40], stride: 1, pad: 'same' },
];

function cpuGrads(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array) {
  tf.setBackend('cpu');
  const xs = tf.tensor4d(x, c.x);
  const ws = tf.tensor4d(w, c.f);
  const y = tf.conv2d(xs, ws, c.stride, c.pad);
  const dys = tf.tensor(dy, y.shape);
  const [dx, dw] = tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad))(
    [xs, ws],
    dys,
  );
  const out = {
    y: y.shape as number[],
    yv: y.dataSync() as Float32Array,
    dx: dx.dataSync() as Float32Array,
    dw: dw.dataSync() as Float32Array,
  };
  tf.dispose([xs, ws, y, dys, dx, dw]);
  return out;
}

function outShape(c: Case): number[] {
  tf.setBackend('cpu');
  return tf.tidy(
    () => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.stride, c.pad).shape,
  );
}

describe('conv gradients through tfjs (wasm backend with wasm-simd kernels) equal the cpu backend', () => {
  let reg: WasmSimdRegistration;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    reg = await useWasmSimd();
  });
  afterAll(() => reg.unregister());

  for (const c of cases) {
    it(c.name, async () => {
      const shape = outShape(c);
      const n = shape.reduce((a, b) => a * b, 1);
      const x = random(
        c.x.reduce((a, b) => a * b, 1),
        1,
      );
      const w = random(
        c.f.reduce((a, b) => a * b, 1),
        2,
      );
      const dy = random(n, 3);
      const ref = cpuGrads(c, x, w, dy);

      await tf.setBackend('wasm');
      const xs = tf.tensor4d(x, c.x);
      const ws = tf.tensor4d(w, c.f);
      const dys = tf.tensor(dy, shape);
      const [dx, dw] = tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad))(
        [xs, ws],
        dys,
      );
      expect(maxRelErr(dx.dataSync() as Float32Array, ref.dx)).toBeLessThan(1e-5);
      expect(maxRelErr(dw.dataSync() as Float32Array, ref.dw)).toBeLessThan(1e-5);
      // forward: the registered Conv2D (Winograd or our im2col GEMM for analog input)
      const y = tf.conv2d(xs, ws, c.stride, c.pad);
      expect(maxRelErr(y.dataSync() as Float32Array, ref.yv)).toBeLessThan(1e-5);
      tf.dispose([xs, ws, dys, dx, dw, y]);
    });
  }

  it('is idempotent and the registration lists the kernels', async () => {
    const again = await useWasmSimd();
    expect(again).toBe(reg);
    expect(reg.winograd).toBe(true);
    expect(reg.kernels).toEqual([
      'BatchMatMul',
      'Conv2D',
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'SynaptogenNeuronForward',
      'SynaptogenNeuronBackward',
      'SynaptogenMaxPoolGradFirstMax',
      'SynaptogenBatchNormTrain',
      'SynaptogenBatchNormTrainGrad',
      'Identity',
      'Slice',
      'GreaterEqual',
      'Greater',
      'SynaptogenAdamUpdate',
      'SynaptogenGradRUpdate',
      'SynaptogenChannelScoreSums',
    ]);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });
});

function geometry(c: Case): ConvGeometry {
  tf.setBackend('cpu');
  const stride = typeof c.stride === 'number' ? [c.stride, c.stride] : c.stride;
  return geometryFromInfo(
    tf.backend_util.computeConv2DInfo(c.x, c.f, stride as [number, number], 1, c.pad),
    'test',
  );
}

describe('Winograd F(2×2, 3×3)', () => {
  it('applies to 3×3 stride-1 convs with channel counts that are multiples of 4, and only to them', () => {
    const applies = Object.fromEntries(cases.map((c) => [c.name, winogradApplies(geometry(c))]));
    expect(applies).toEqual({
      '3x3 s1 same ci%4=0': true,
      '3x3 s1 same odd channels': false,
      '3x3 s1 same odd sizes': true,
      '3x3 s1 valid': true,
      '3x3 s2 same': false,
      '3x3 s2 valid': false,
      '3x3 s1 explicit pad 2': true,
      '1x1 s1': false,
      '1x1 s2': false,
      '5x3 strides [2,1] same': false,
      'first layer ci=1, many pixels (several tiles)': false,
      'wide channels (several tiles)': true,
    });
  });

  // 192 tiles (half tiles at the right edge), claimed in 3 blocks by both threads
  const big: Case = { name: 'several blocks', x: [4, 16, 11, 32], f: [3, 3, 32, 64], stride: 1, pad: 'same' };
  it('forward, input and filter gradients equal the cpu backend, and differ from the im2col route by rounding only', async () => {
    const k = await loadKernels();
    const g = geometry(big);
    const x = random(4 * 16 * 11 * 32, 4);
    const w = random(9 * 32 * 64, 5);
    const dy = random(4 * 16 * 11 * 64, 6);
    const ref = cpuGrads(big, x, w, dy);
    const dxWinograd = conv2dBackpropInput(k, dy, w, g);
    const threadsUsed = k.lastParallelism;
    const dxDirect = conv2dBackpropInput(k, dy, w, g, undefined, { winograd: false });
    expect(maxRelErr(dxWinograd, ref.dx)).toBeLessThan(1e-5);
    expect(maxRelErr(dxDirect, ref.dx)).toBeLessThan(1e-5);
    const yWinograd = conv2dForward(k, x, w, g);
    const yDirect = conv2dForward(k, x, w, g, undefined, { winograd: false });
    expect(maxRelErr(yWinograd, ref.yv)).toBeLessThan(1e-5);
    expect(maxRelErr(yDirect, ref.yv)).toBeLessThan(1e-5);
    // two different computations (not the same code under two names): some bits differ
    expect(dxWinograd.some((v, i) => v !== dxDirect[i])).toBe(true);
    expect(yWinograd.some((v, i) => v !== yDirect[i])).toBe(true);
    const dwWinograd = conv2dBackpropFilter(k, x, dy, g);
    const dwDirect = conv2dBackpropFilter(k, x, dy, g, undefined, { winograd: false });
    expect(maxRelErr(dwWinograd, ref.dw)).toBeLessThan(1e-5);
    expect(maxRelErr(dwDirect, ref.dw)).toBeLessThan(1e-5);
    expect(dwWinograd.some((v, i) => v !== dwDirect[i])).toBe(true);
    expect(threadsUsed).toBe(Math.min(2, k.threads));
  });
});

describe('unregister restores the stock wasm kernels', () => {
  it('removes Conv2DBackpropFilter (missing in stock) and restores the stock Conv2DBackpropInput', async () => {
    await tf.setBackend('wasm');
    const stockInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
    const reg = await useWasmSimd();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).not.toBe(stockInput);
    reg.unregister();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(stockInput);
    // The restored stock kernel still computes.
    const dx = tf.conv2dTranspose(
      tf.ones([1, 2, 2, 1]) as tf.Tensor4D,
      tf.ones([1, 1, 1, 1]) as tf.Tensor4D,
      [1, 2, 2, 1],
      1,
      'valid',
    );
    expect(Array.from(dx.dataSync())).toEqual([1, 1, 1, 1]);
  });
});

describe('plain Float32Array API', () => {
  it('rejects arrays that do not match the geometry', async () => {
    const k = await loadKernels();
    const g = {
      batch: 1,
      inH: 4,
      inW: 4,
      inC: 2,
      outH: 4,
      outW: 4,
      outC: 3,
      kH: 3,
      kW: 3,
      strideH: 1,
      strideW: 1,
      padTop: 1,
      padLeft: 1,
    };
    expect(() => conv2dBackpropFilter(k, new Float32Array(31), new Float32Array(48), g)).toThrow(
      /x has 31 elements, expected 32/,
    );
    expect(() => conv2dBackpropInput(k, new Float32Array(48), new Float32Array(5), g)).toThrow(
      /filter has 5 elements, expected 54/,
    );
    expect(() =>
      conv2dBackpropInput(k, new Float32Array(48), new Float32Array(54), { ...g, strideH: 0 }),
    ).toThrow(/strideH must be ≥ 1/);
  });
});
