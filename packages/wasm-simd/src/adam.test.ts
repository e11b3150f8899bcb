import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAM_UPDATE, type AdamAttrs } from './adam.js';
import { firstDifference, seededUniform } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

/** @synaptogen/nn's Adam step as element-wise tfjs ops (the path without the kernel). */
function opsStep(g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, p: tf.Tensor, a: AdamAttrs): tf.Tensor[] {
  const mNew = tf.add(tf.mul(m, tf.scalar(a.beta1)), tf.mul(g, tf.scalar(1 - a.beta1)));
  const vNew = tf.add(tf.mul(v, tf.scalar(a.beta2)), tf.mul(tf.square(g), tf.scalar(1 - a.beta2)));
  const denom = tf.add(tf.div(tf.sqrt(vNew), tf.scalar(a.sqrtBc2)), tf.scalar(a.eps));
  const d = tf.mul(tf.div(mNew, denom), tf.scalar(a.stepSize));
  return [mNew, vNew, a.mode === 'update' ? tf.sub(p, d) : d];
}

let reg: WasmSimdRegistration;
beforeAll(async () => {
  reg = await useWasmSimd({ kernels: [ADAM_UPDATE] });
});
afterAll(() => reg.unregister());

describe('fused Adam kernel', () => {
  for (const backend of ['cpu', 'wasm']) {
    for (const mode of ['direction', 'update'] as const) {
      it(`${backend}, mode ${mode}: bit-identical to the element-wise ops over several steps`, async () => {
        await tf.setBackend(backend);
        const n = 300_003; // above one thread's share: the kernel splits it, and a tail of 3
        const lr = 1e-3;
        let mK = tf.zeros([n]);
        let vK = tf.zeros([n]);
        let pK = tf.tensor(seededUniform(n, 1, 0.1));
        let mO = mK.clone();
        let vO = vK.clone();
        let pO = pK.clone();
        for (let step = 1; step <= 4; step++) {
          const g = tf.tensor(seededUniform(n, 10 + step, step === 2 ? 1e-6 : 0.5), [n]);
          const attrs: AdamAttrs = {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            stepSize: lr / (1 - 0.9 ** step),
            sqrtBc2: Math.sqrt(1 - 0.999 ** step),
            mode,
          };
          const inputs: tf.NamedTensorMap =
            mode === 'update' ? { g, m: mK, v: vK, p: pK } : { g, m: mK, v: vK };
          const kernel = tf.engine().runKernel(ADAM_UPDATE, inputs, { ...attrs }) as tf.Tensor[];
          const ops = opsStep(g, mO, vO, pO, attrs);
          for (let i = 0; i < 3; i++)
            expect(firstDifference(kernel[i].dataSync(), ops[i].dataSync())).toBe(-1);
          tf.dispose([g, mK, vK, mO, vO]);
          [mK, vK] = kernel;
          [mO, vO] = ops;
          if (mode === 'update') {
            tf.dispose([pK, pO]);
            pK = kernel[2];
            pO = ops[2];
          } else tf.dispose([kernel[2], ops[2]]);
        }
        tf.dispose([mK, vK, pK, mO, vO, pO]);
      });
    }
  }

  it('rejects missing inputs and bad attrs with their names', async () => {
    await tf.setBackend('cpu');
    const t = tf.zeros([3]);
    const attrs = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 1e-3, sqrtBc2: 1, mode: 'update' };
    expect(() => tf.engine().runKernel(ADAM_UPDATE, { g: t, m: t, v: t }, attrs)).toThrow(
      /mode 'update' needs input p/,
    );
    expect(() =>
      tf.engine().runKernel(ADAM_UPDATE, { g: t, m: t, v: t }, { ...attrs, beta1: Number.NaN }),
    ).toThrow(/attrs.beta1 must be a finite number/);
    expect(() =>
      tf.engine().runKernel(ADAM_UPDATE, { g: t, m: tf.zeros([4]), v: t }, { ...attrs, mode: 'direction' }),
    ).toThrow(/m has 4 elements, g has 3/);
    t.dispose();
  });
});
