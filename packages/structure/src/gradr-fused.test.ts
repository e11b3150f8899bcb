import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRADR_UPDATE, GradR } from './gradr.js';
import { fakeModel, grads, step, values } from './test-fixtures.js';

// A stand-in for @synaptogen/wasm-simd's fused kernel on the cpu backend: the documented formula in
// float32 steps, so that GradR's route and the attrs it passes are checked against the op path.
const f = Math.fround;
let calls = 0;
const standIn: tf.KernelConfig = {
  kernelName: GRADR_UPDATE,
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    calls++;
    const b = backend as unknown as {
      readSync(id: object): Float32Array;
      makeTensorInfo(s: number[], d: 'float32', v: Float32Array): tf.TensorInfo;
    };
    const t = inputs as Record<'g' | 'sign' | 'm' | 'v' | 'theta', tf.TensorInfo>;
    const [g, s, m, v, th] = [t.g, t.sign, t.m, t.v, t.theta].map((x) => b.readSync(x.dataId));
    const a = attrs as unknown as Record<string, number>;
    const n = g.length;
    const [mo, vo, to, wo] = [0, 1, 2, 3].map(() => new Float32Array(n));
    const counts = new Float32Array(2);
    for (let i = 0; i < n; i++) {
      const gi = f(s[i] * g[i]);
      mo[i] = f(f(m[i] * f(a.beta1)) + f(gi * f(1 - a.beta1)));
      vo[i] = f(f(v[i] * f(a.beta2)) + f(f(gi * gi) * f(1 - a.beta2)));
      const d = f(f(mo[i] / f(f(f(Math.sqrt(vo[i])) / f(a.sqrtBc2)) + f(a.eps))) * f(a.stepSize));
      to[i] = f(f(th[i] - d) - f(Math.sign(f(th[i] - f(a.mu))) * f(a.prior)));
      wo[i] = f(s[i] * Math.max(to[i], 0));
      if (th[i] > 0 && !(to[i] > 0)) counts[0]++;
      if (to[i] > 0 && !(th[i] > 0)) counts[1]++;
    }
    return [
      ...[mo, vo, to, wo].map((x) => b.makeTensorInfo(t.g.shape, 'float32', x)),
      b.makeTensorInfo([2], 'float32', counts),
    ];
  },
};

const ctx = { tf, lr: 0.01, seed: 0 };

/** Four Grad R steps (a weight is pruned, then regrows); θ, w, moments and the report afterwards. */
function run(priorStep: 'biasCorrected' | 'lr') {
  const model = fakeModel({ fc: { values: [0.004, -0.02, 0.5, -0.003, 0.001, 0.3], shape: [2, 3] } });
  const g = new GradR({ alpha: 0.1, priorStep });
  g.attach(model, ctx);
  g.report();
  for (let s = 1; s <= 4; s++) {
    const sign = s <= 2 ? 1 : -1; // pushes the small weights to zero, then back
    g.applyGradients(grads({ fc: [sign, -sign, 0.2, -sign, sign, 0.1] }, { fc: [2, 3] }), step(s));
  }
  const state = g.getState();
  const out = {
    tensors: Object.fromEntries([...state.tensors].map(([k, t]) => [k, values(t)])),
    w: values(model.prunableWeights()[0][1]),
    report: g.report(),
  };
  g.dispose();
  return out;
}

describe('Grad R with a fused backend kernel', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  });
  afterAll(() => {
    if (tf.getKernel(GRADR_UPDATE, 'cpu')) tf.unregisterKernel(GRADR_UPDATE, 'cpu');
  });

  for (const priorStep of ['biasCorrected', 'lr'] as const) {
    it(`routes every step through ${GRADR_UPDATE} with the same results as the op path (prior ${priorStep})`, () => {
      // the fake model's own tensors stay alive after each run; the learner must leave nothing else
      let before = tf.memory().numTensors;
      const ops = run(priorStep);
      const opsKept = tf.memory().numTensors - before;
      expect(ops.report.pruned + ops.report.regrown).toBeGreaterThan(0);
      tf.registerKernel(standIn);
      calls = 0;
      before = tf.memory().numTensors;
      const fused = run(priorStep);
      tf.unregisterKernel(GRADR_UPDATE, 'cpu');
      expect(calls).toBe(4);
      expect(tf.memory().numTensors - before).toBe(opsKept);
      expect(fused).toEqual(ops);
    });
  }
});
