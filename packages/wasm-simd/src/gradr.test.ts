import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRADR_UPDATE, type GradRAttrs } from './gradr.js';
import { firstDifference, seededUniform } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

/** @synaptogen/structure's GradR step as element-wise tfjs ops (the path without the kernel). */
function opsStep(
  g: tf.Tensor,
  sign: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  theta: tf.Tensor,
  a: GradRAttrs,
): { out: tf.Tensor[]; counts: number[] } {
  const gt = tf.mul(sign, g);
  const mNew = tf.add(tf.mul(m, tf.scalar(a.beta1)), tf.mul(gt, tf.scalar(1 - a.beta1)));
  const vNew = tf.add(tf.mul(v, tf.scalar(a.beta2)), tf.mul(tf.square(gt), tf.scalar(1 - a.beta2)));
  const denom = tf.add(tf.div(tf.sqrt(vNew), tf.scalar(a.sqrtBc2)), tf.scalar(a.eps));
  const dir = tf.mul(tf.div(mNew, denom), tf.scalar(a.stepSize));
  const prior = tf.mul(tf.sign(tf.sub(theta, tf.scalar(a.mu))), tf.scalar(a.prior));
  const next = tf.sub(tf.sub(theta, dir), prior);
  const w = tf.mul(sign, tf.relu(next));
  const b = tf.cast(tf.greater(theta, 0), 'int32');
  const af = tf.cast(tf.greater(next, 0), 'int32');
  const counts = [
    tf.sum(tf.cast(tf.greater(b, af), 'int32')).dataSync()[0],
    tf.sum(tf.cast(tf.greater(af, b), 'int32')).dataSync()[0],
  ];
  return { out: [mNew, vNew, next, w], counts };
}

let reg: WasmSimdRegistration;
beforeAll(async () => {
  reg = await useWasmSimd({ kernels: [GRADR_UPDATE] });
});
afterAll(() => reg.unregister());

describe('fused Grad R kernel', () => {
  // The reference is the op-by-op path on the cpu backend. (Stock tfjs-wasm's Sign returns 0 for
  // |x| below ~1e-7, so on wasm the op path itself differs where θ is within 1e-7 of μ.)
  for (const backend of ['cpu', 'wasm']) {
    it(`${backend}: moments, θ, w and the pruned/regrown counts equal the cpu backend's element-wise ops over several steps`, async () => {
      const n = 262_147; // two threads' shares: the kernel splits it, and a tail of 3
      const lr = 1e-3;
      const sign = seededUniform(n, 2).map((x) => (x >= 0 ? 1 : -1));
      let state: Record<'m' | 'v' | 'theta', Float32Array<ArrayBufferLike>> = {
        m: new Float32Array(n),
        v: new Float32Array(n),
        theta: seededUniform(n, 1, 0.01),
      };
      let ref = { ...state };
      let events = 0;
      for (let step = 1; step <= 3; step++) {
        // the gradient flips sign between steps, so synapses are pruned and regrow
        const g = seededUniform(n, 10 + (step % 2), step % 2 ? 0.5 : -0.5);
        const attrs: GradRAttrs = {
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          stepSize: lr / (1 - 0.9 ** step),
          sqrtBc2: Math.sqrt(1 - 0.999 ** step),
          prior: 0.4 * lr,
          mu: step === 2 ? 0.002 : -5.76, // μ inside the θ range once: the prior pulls from both sides
        };
        await tf.setBackend('cpu');
        const expected = tf.tidy(() => {
          const r = opsStep(
            tf.tensor(g),
            tf.tensor(sign),
            tf.tensor(ref.m),
            tf.tensor(ref.v),
            tf.tensor(ref.theta),
            attrs,
          );
          return { out: r.out.map((t) => t.dataSync() as Float32Array), counts: r.counts };
        });
        await tf.setBackend(backend);
        const got = tf.tidy(() => {
          const t = (x: Float32Array) => tf.tensor(x);
          const outs = tf
            .engine()
            .runKernel(
              GRADR_UPDATE,
              { g: t(g), sign: t(sign), m: t(state.m), v: t(state.v), theta: t(state.theta) },
              { ...attrs },
            ) as tf.Tensor[];
          return outs.map((o) => o.dataSync() as Float32Array);
        });
        for (let i = 0; i < 4; i++) expect(firstDifference(got[i], expected.out[i])).toBe(-1);
        expect(Array.from(got[4])).toEqual(expected.counts);
        events += expected.counts[0] + expected.counts[1];
        state = { m: got[0], v: got[1], theta: got[2] };
        ref = { m: expected.out[0], v: expected.out[1], theta: expected.out[2] };
      }
      expect(events).toBeGreaterThan(1000); // the counts were really exercised
      expect(tf.memory().numTensors).toBe(0);
    });
  }

  it('rejects missing inputs and bad attrs with their names', async () => {
    await tf.setBackend('cpu');
    const t = tf.zeros([3]);
    const attrs = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3, sqrtBc2: 1, prior: 1e-6, mu: -1 };
    expect(() => tf.engine().runKernel(GRADR_UPDATE, { g: t, sign: t, m: t, v: t }, attrs)).toThrow(
      /input theta is required/,
    );
    expect(() =>
      tf
        .engine()
        .runKernel(GRADR_UPDATE, { g: t, sign: t, m: t, v: t, theta: t }, { ...attrs, mu: Number.NaN }),
    ).toThrow(/attrs.mu must be a finite number/);
    expect(() =>
      tf.engine().runKernel(GRADR_UPDATE, { g: t, sign: t, m: tf.zeros([4]), v: t, theta: t }, attrs),
    ).toThrow(/m has 4 elements, g has 3/);
    t.dispose();
  });
});
