import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { CHARGE_FORM_TABLE, type SurrogateName } from '@synaptogen/contracts';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelsWasmBase64 } from './generated/kernels-wasm.js';
import { NEURON_FORWARD, spikingNeuron } from './neuron-op.js';
import { type NeuronOptions, neuronBackward, neuronForward, SURROGATES } from './neurons.js';
import { decodeBase64, loadKernels } from './runtime.js';
import { seededMulberry } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

// Reference: the op-by-op formulation of specs/neurons.md with tfjs ops (as @synaptogen/neurons does).
const sc = (v: number) => tf.scalar(v);
const SG: Record<SurrogateName, (x: tf.Tensor, a: number) => tf.Tensor> = {
  atan: (x, a) => tf.div(sc(a / 2), tf.add(sc(1), tf.square(tf.mul(x, sc((Math.PI / 2) * a))))),
  sigmoid: (x, a) => {
    const sg = tf.sigmoid(tf.mul(x, sc(a)));
    return tf.mul(tf.mul(sg, tf.sub(sc(1), sg)), sc(a));
  },
  piecewiseQuadratic: (x, a) => {
    const ax = tf.abs(x);
    return tf.mul(
      tf.relu(tf.sub(sc(a), tf.mul(ax, sc(a * a)))),
      tf.cast(tf.lessEqual(ax, sc(1 / a)), 'float32'),
    );
  },
  piecewiseExp: (x, a) => tf.mul(tf.exp(tf.mul(tf.abs(x), sc(-a))), sc(a / 2)),
  softSign: (x, a) => tf.div(sc(1 / (2 * a)), tf.square(tf.add(tf.abs(x), sc(1 / a)))),
  superSpike: (x, a) => tf.div(sc(a), tf.square(tf.add(tf.abs(x), sc(1)))),
  erf: (x, a) => tf.mul(tf.exp(tf.neg(tf.square(tf.mul(x, sc(a))))), sc(a / Math.sqrt(Math.PI))),
  rect: (x, a) => tf.mul(tf.cast(tf.less(tf.abs(x), sc(0.5 / a)), 'float32'), sc(a)),
};
const ALPHA: Record<SurrogateName, number> = {
  atan: 2,
  sigmoid: 4,
  piecewiseQuadratic: 1,
  piecewiseExp: 1,
  softSign: 2,
  superSpike: 1,
  erf: 2,
  rect: 1,
};

function referenceSpikes(x: tf.Tensor, o: NeuronOptions): tf.Tensor {
  const name = o.surrogate ?? 'sigmoid';
  const alpha = o.alpha ?? ALPHA[name];
  const heaviside = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const u = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([u]);
    return {
      value: tf.cast(tf.greaterEqual(u, sc(0)), 'float32'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, SG[name](saved[0], alpha)),
    };
  });
  const detach = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.add(args[0] as tf.Tensor, sc(0)),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  const vth = o.vThreshold ?? 1;
  const vr = o.vReset === undefined ? 0 : o.vReset;
  const k = sc(Math.fround(1 / (o.tau ?? 2)));
  let v: tf.Tensor = tf.fill(x.shape.slice(1), vr ?? 0);
  const out: tf.Tensor[] = [];
  for (const xt of tf.unstack(x)) {
    const leak = tf.sub(v, sc(vr ?? 0));
    const h =
      o.kind === 'IF'
        ? tf.add(v, xt)
        : (o.decayInput ?? true)
          ? tf.add(v, tf.mul(tf.sub(xt, leak), k))
          : tf.add(tf.sub(v, tf.mul(leak, k)), xt);
    const s = heaviside(tf.sub(h, sc(vth)));
    const sr = o.detachReset ? detach(s) : s;
    v =
      vr === null ? tf.sub(h, tf.mul(sr, sc(vth))) : tf.add(tf.mul(sr, sc(vr)), tf.mul(tf.sub(sc(1), sr), h));
    out.push(s);
  }
  return tf.stack(out);
}

const T = 6;
const N = 37; // not a multiple of 4: exercises the padding
const configs: NeuronOptions[] = [
  { kind: 'IF' },
  { kind: 'IF', vReset: null, surrogate: 'atan' },
  { kind: 'LIF', surrogate: 'atan', detachReset: true },
  { kind: 'LIF', tau: 4, vReset: 0.2, surrogate: 'sigmoid' },
  { kind: 'LIF', tau: 3, decayInput: false, vThreshold: 0.8, surrogate: 'atan', alpha: 3 },
  { kind: 'LIF', tau: 2, vReset: null, detachReset: true, surrogate: 'sigmoid' },
  ...SURROGATES.map((surrogate): NeuronOptions => ({ kind: 'LIF', surrogate })),
];

function relErr(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  return err / scale;
}

describe('fused multi-step neurons equal the op-by-op tfjs reference (cpu backend)', () => {
  let reg: WasmSimdRegistration;
  beforeAll(async () => {
    reg = await useWasmSimd();
  });
  afterAll(() => reg.unregister());

  for (const o of configs) {
    it(JSON.stringify(o), async () => {
      const x = seededMulberry(T * N, 11, -0.5, 1.6);
      const w = seededMulberry(T * N, 12, -1, 1); // loss = Σ w·S gives a non-uniform dL/dS
      await tf.setBackend('cpu');
      const xs = tf.tensor2d(x, [T, N]);
      const ws = tf.tensor2d(w, [T, N]);
      const refS = referenceSpikes(xs, o).dataSync() as Float32Array;
      const refG = tf
        .grad((a: tf.Tensor) => tf.sum(tf.mul(referenceSpikes(a, o), ws)))(xs)
        .dataSync() as Float32Array;

      // Plain arrays.
      const k = await loadKernels();
      const f = neuronForward(k, x, T, o);
      expect(Array.from(f.spikes)).toEqual(Array.from(refS));
      expect(refS.some((v) => v === 1) && refS.some((v) => v === 0)).toBe(true);
      const b = neuronBackward(k, w, f.h, T, o);
      expect(relErr(b.gradX, refG)).toBeLessThan(2e-6);

      // The tfjs op with its gradient, on both backends. On wasm, N = 37 per step takes the copying
      // path (padded to 40); the first 36 neurons, a multiple of 4, run in tfjs' memory in place.
      for (const backend of ['cpu', 'wasm']) {
        await tf.setBackend(backend);
        for (const n of [N, N - 1]) {
          const cols = (a: Float32Array) =>
            Array.from({ length: T }, (_, t) => Array.from(a.subarray(t * N, t * N + n))).flat();
          const x2 = tf.tensor3d(cols(x), [T, 1, n]);
          const w2 = tf.tensor3d(cols(w), [T, 1, n]);
          expect(Array.from(spikingNeuron(x2, o).dataSync())).toEqual(cols(refS));
          const g = tf
            .grad((a: tf.Tensor) => tf.sum(tf.mul(spikingNeuron(a, o), w2)))(x2)
            .dataSync() as Float32Array;
          expect(relErr(g, Float32Array.from(cols(refG)))).toBeLessThan(2e-6);
        }
      }
    });
  }

  it('does not leak tensors outside a gradient scope', async () => {
    await tf.setBackend('wasm');
    const x = tf.ones([T, 8]);
    const before = tf.memory().numTensors;
    const s = spikingNeuron(x, { kind: 'IF' });
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('carries the state: two calls of T/2 steps equal one call of T steps', async () => {
    const k = await loadKernels();
    const x = seededMulberry(T * N, 5, 0, 1.2);
    const o: NeuronOptions = { kind: 'LIF', tau: 3 };
    const whole = neuronForward(k, x, T, o);
    const first = neuronForward(k, x.subarray(0, (T / 2) * N), T / 2, o);
    const second = neuronForward(k, x.subarray((T / 2) * N), T / 2, o, first.v);
    expect(Array.from(second.spikes)).toEqual(Array.from(whole.spikes.subarray((T / 2) * N)));
    expect(Array.from(second.v)).toEqual(Array.from(whole.v));
  });

  it('rejects bad options and shapes with clear errors', async () => {
    const k = await loadKernels();
    expect(() => neuronForward(k, new Float32Array(10), 3, { kind: 'IF' })).toThrow(
      /length 10 is not a multiple of T = 3/,
    );
    expect(() => neuronForward(k, new Float32Array(4), 1, { kind: 'LIF', tau: 1 })).toThrow(
      /tau must be > 1/,
    );
    expect(() =>
      neuronForward(k, new Float32Array(4), 1, { kind: 'IF', surrogate: 'nope' as SurrogateName }),
    ).toThrow(/unknown surrogate 'nope'/);
    expect(() => spikingNeuron(tf.ones([4]), { kind: 'IF' })).toThrow(/\[T, N, \.\.\.\]/);
  });

  it("switches on the contract's charge-form ids", async () => {
    const { instance } = await WebAssembly.instantiate(decodeBase64(kernelsWasmBase64));
    const id = (name: string) => (instance.exports[name] as WebAssembly.Global).value;
    const exported = {
      IF: id('CHARGE_FORM_IF'),
      'LIF-decay-input': id('CHARGE_FORM_LIF_DECAY_INPUT'),
      LIF: id('CHARGE_FORM_LIF'),
    };
    expect(exported).toEqual(Object.fromEntries(CHARGE_FORM_TABLE.map((f) => [f.name, f.id])));
  });

  it('refuses a charge it does not implement, in one line, instead of running another neuron', async () => {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const x = tf.ones([2, 4]);
      // what a neuron package sends through the kernel attrs: an unknown kind, or LIF with an extra term
      const forward = (options: object) => () =>
        tf.engine().runKernel(NEURON_FORWARD, { x }, { options: JSON.stringify(options) });
      for (const [options, message] of [
        [
          { kind: 'QIF', vThreshold: 1 },
          /unknown charge kind "QIF"; the native kernel runs 'IF' and 'LIF' only/,
        ],
        [{ kind: undefined }, /unknown charge kind undefined/],
        [{ kind: 'LIF', tau: 2, gain: 2 }, /unknown setting gain in a LIF description/],
      ] as const) {
        expect(forward(options)).toThrow(message);
        try {
          forward(options)();
        } catch (e) {
          expect((e as Error).message).not.toContain('\n');
        }
        expect(() => spikingNeuron(x, options as unknown as NeuronOptions)).toThrow(message);
      }
      x.dispose();
    }
  });
});

describe('constant input (direct encoding) without materialising the repeat', () => {
  it('equals the tiled input forward and the summed gradient, on wasm and cpu', async () => {
    const reg = await useWasmSimd();
    try {
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const T = 5;
        const shape = [3, 4, 4, 6]; // rank 4: tiling it to [T, ...] would be rank 5
        const x = tf.tensor(seededMulberry(3 * 4 * 4 * 6, 31, -0.5, 1.5), shape);
        const w = tf.tensor(seededMulberry(T * 3 * 4 * 4 * 6, 32, -1, 1), [T, ...shape]);
        const o: NeuronOptions = { kind: 'LIF', tau: 2, surrogate: 'atan', detachReset: true };
        const tiled = (a: tf.Tensor) => tf.stack(new Array<tf.Tensor>(T).fill(a));
        const refS = spikingNeuron(tiled(x), o).dataSync();
        const refG = tf
          .grad((a: tf.Tensor) => tf.sum(tf.mul(spikingNeuron(tiled(a), o), w)))(x)
          .dataSync();
        const s = spikingNeuron(x, o, T);
        expect(s.shape).toEqual([T, ...shape]);
        expect(Array.from(s.dataSync())).toEqual(Array.from(refS));
        expect(refS.some((v) => v === 1)).toBe(true);
        const g = tf
          .grad((a: tf.Tensor) => tf.sum(tf.mul(spikingNeuron(a, o, T), w)))(x)
          .dataSync();
        expect(g.length).toBe(refG.length);
        for (let i = 0; i < g.length; i++) expect(g[i]).toBeCloseTo(refG[i], 5);
        expect(() => spikingNeuron(x, o, 0)).toThrow(/steps must be a positive integer/);
      }
    } finally {
      await tf.setBackend('wasm');
      reg.unregister();
    }
  });
});
