import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { IFNode, LIFNode, ParametricLIFNode } from './node.js';
import { expectClose } from './test-setup.js';

const seq = (rows: number[][]) => tf.reshape(tf.tensor2d(rows), [rows.length, 1, rows[0].length]);
const spikesOf = (t: tf.Tensor) => Array.from(t.dataSync());

describe('IF node', () => {
  it('integrates, fires at H ≥ V_th (equality fires) and hard-resets to 0', () => {
    const n = new IFNode();
    // inputs over T=5 for one neuron: H = 0.5, 1.0 (fires: x ≥ 0), 0.3, 0.9, 1.6 (fires)
    const out = n.multiStep(seq([[0.5], [0.5], [0.3], [0.6], [0.7]]));
    expect(spikesOf(out)).toEqual([0, 1, 0, 0, 1]);
    expect(n.v!.dataSync()[0]).toBe(0);
  });

  it('soft reset subtracts V_th and keeps the remainder', () => {
    const n = new IFNode({ vReset: null });
    const out = n.multiStep(seq([[1.5], [0.2], [0.4]])); // H 1.5 → V 0.5; H 0.7; H 1.1 → V 0.1
    expect(spikesOf(out)).toEqual([1, 0, 1]);
    expectClose(n.v!.dataSync(), [0.1]);
  });

  it('hard reset to a non-zero V_reset starts from and returns to V_reset', () => {
    const n = new IFNode({ vReset: -0.5, vThreshold: 1 });
    const out = n.multiStep(seq([[1.0], [1.6], [0.2]])); // H 0.5; H 2.1 fire → V -0.5; H -0.3
    expect(spikesOf(out)).toEqual([0, 1, 0]);
    expectClose(n.v!.dataSync(), [-0.3]);
  });

  it('single-step mode keeps state across calls until resetState()', () => {
    const n = new IFNode({ stepMode: 's' });
    const x = tf.tensor2d([[0.6, 1.2]]);
    expect(spikesOf(n.forward(x))).toEqual([0, 1]);
    expect(spikesOf(n.forward(x))).toEqual([1, 1]); // 0.6 + 0.6 ≥ 1; the second neuron was reset to 0
    expectClose(n.v!.dataSync(), [0, 0]);
    n.resetState();
    expect(n.v).toBeNull();
    expect(spikesOf(n.forward(x))).toEqual([0, 1]);
  });
});

describe('LIF node', () => {
  it('decayInput: H = V + (X − V)/τ, the hand-computed sequence for τ = 2', () => {
    const n = new LIFNode({ tau: 2 });
    // X = 1.5 each step: H 0.75; H 1.125 fire → 0; H 0.75; H 1.125 fire
    const out = n.multiStep(seq([[1.5], [1.5], [1.5], [1.5]]));
    expect(spikesOf(out)).toEqual([0, 1, 0, 1]);
  });

  it('decayInput with V_reset ≠ 0 and τ = 4', () => {
    const n = new LIFNode({ tau: 4, vReset: 0.2 });
    // V0 = 0.2; X = 2: H = 0.2 + (2 − 0)/4 = 0.7; H = 0.7 + (2 − 0.5)/4 = 1.075 fire → 0.2; H = 0.7
    const out = n.multiStep(seq([[2], [2], [2]]));
    expect(spikesOf(out)).toEqual([0, 1, 0]);
    expectClose(n.v!.dataSync(), [0.7]);
  });

  it('decayInput = false with V_reset = 0 equals snnTorch V ← (1 − 1/τ)V + X', () => {
    const tau = 3;
    const beta = 1 - 1 / tau;
    const xs = [0.3, 0.4, 0.5, 0.1, 0.9, 0.2, 0.6];
    const n = new LIFNode({ tau, decayInput: false, vThreshold: 0.8 });
    const out = spikesOf(n.multiStep(seq(xs.map((x) => [x]))));
    let v = 0;
    const expected: number[] = [];
    for (const x of xs) {
      const h = beta * v + x;
      const s = h >= 0.8 ? 1 : 0;
      expected.push(s);
      v = s ? 0 : h;
    }
    expect(out).toEqual(expected);
    expect(expected).toContain(1);
  });

  it("Grad R's LIF (τ = 2) is V ← (V + X)/2 before firing", () => {
    const xs = [0.9, 1.3, 0.2, 2.4, 0.7];
    const n = new LIFNode({ tau: 2, surrogate: 'atan', detachReset: true });
    const out = spikesOf(n.multiStep(seq(xs.map((x) => [x]))));
    let v = 0;
    const expected = xs.map((x) => {
      const h = (v + x) / 2;
      const s = h >= 1 ? 1 : 0;
      v = s ? 0 : h;
      return s;
    });
    expect(out).toEqual(expected);
  });

  it('multiStepConstant equals multiStep on the repeated input, values and gradients', () => {
    const x = tf.tensor2d([[0.4, 1.7, 2.2, -0.3]]);
    const a = new LIFNode({ surrogate: 'atan' });
    const b = new LIFNode({ surrogate: 'atan' });
    const fa = (t: tf.Tensor) =>
      tf.sum(tf.mul(a.multiStepConstant(t, 5), tf.reshape(tf.range(1, 6), [5, 1, 1])));
    const fb = (t: tf.Tensor) =>
      tf.sum(tf.mul(b.multiStep(tf.stack([t, t, t, t, t])), tf.reshape(tf.range(1, 6), [5, 1, 1])));
    expect(fa(x).dataSync()[0]).toBe(fb(x).dataSync()[0]);
    a.resetState();
    b.resetState();
    expectClose(tf.grad(fa)(x).dataSync(), tf.grad(fb)(x).dataSync());
  });

  it('rejects τ ≤ 1', () => {
    expect(() => new LIFNode({ tau: 1 })).toThrow(/tau must be > 1/);
  });
});

describe('gradients through time', () => {
  // Two steps of IF with a linear surrogate-free check: dL/dx for L = S1 + S2 where each S uses sigmoid(α=4).
  const sg = (x: number) => 4 * (1 / (1 + Math.exp(-4 * x))) * (1 - 1 / (1 + Math.exp(-4 * x)));

  it('detachReset cuts the reset path only', () => {
    // one neuron, X = [x1, x2]; H1 = x1, S1 = Θ(H1 − 1), V1 = H1(1 − S1), H2 = V1 + x2, S2 = Θ(H2 − 1)
    const x1 = 1.2;
    const x2 = 0.5;
    const run = (detachReset: boolean) => {
      const n = new IFNode({ detachReset });
      return tf
        .grad((t: tf.Tensor) => tf.sum(n.multiStep(t)))(tf.tensor3d([[[x1]], [[x2]]]))
        .dataSync();
    };
    const h2 = 0 + x2; // S1 = 1, so V1 = 0
    const g2 = sg(h2 - 1);
    // detached: dS2/dx1 = g2 · dV1/dH1 = g2 · (1 − S1) = 0; dS1/dx1 = sg(x1 − 1)
    expectClose(run(true), [sg(x1 - 1), g2]);
    // attached: dV1/dH1 = (1 − S1) − H1 · dS1/dH1
    const dV1 = 1 - 1 - x1 * sg(x1 - 1);
    expectClose(run(false), [sg(x1 - 1) + g2 * dV1, g2]);
  });
});

describe('T = 1 on the step-by-step path (issue 16)', () => {
  // tfjs-core 4.22's Unpack gradient receives a bare tensor when there is one slice and throws
  // "Argument tensors passed to stack must be a `Tensor[]`": one step must not go through unstack.
  const x = () => tf.tensor3d([[[0.4, 1.3, -0.2, 0.9]]]); // [T = 1, N = 1, 4]
  const cases: Array<[string, () => IFNode | LIFNode]> = [
    ['PLIF', () => new ParametricLIFNode({ initTau: 2 })],
    ['IF, fused: false', () => new IFNode({ fused: false })],
    ['LIF, fused: false', () => new LIFNode({ fused: false, tau: 2 })],
  ];
  for (const [label, make] of cases) {
    it(`${label}: the gradient of one step equals single-step mode's`, () => {
      const n = make();
      const g = tf
        .grad((t: tf.Tensor) => tf.sum(n.multiStep(t)))(x())
        .dataSync();
      const single = make();
      single.stepMode = 's';
      const ref = tf
        .grad((t: tf.Tensor) => tf.sum(single.forward(t)))(tf.reshape(x(), [1, 4]))
        .dataSync();
      expectClose(g, ref);
      expect(Array.from(g).some((v) => v !== 0)).toBe(true);
    });
  }

  it('IF (fused by default): a second call without resetState() runs step by step and has a gradient', () => {
    const n = new IFNode();
    n.multiStep(x());
    const g = tf
      .grad((t: tf.Tensor) => tf.sum(n.multiStep(t)))(x())
      .dataSync();
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
    expect(Array.from(g).some((v) => v !== 0)).toBe(true);
  });
});

describe('PLIF node', () => {
  it('starts at 1/τ₀ and learns τ through w', () => {
    const n = new ParametricLIFNode({ initTau: 2 });
    expect(n.currentTau()).toBeCloseTo(2, 6);
    const x = tf.tensor3d([[[0.8, 1.6]], [[0.8, 1.6]], [[0.8, 1.6]]]);
    // same dynamics as LIF τ = 2 in the forward pass
    const ref = new LIFNode({ tau: 2 });
    expect(spikesOf(n.multiStep(x))).toEqual(spikesOf(ref.multiStep(x)));
    n.resetState();
    const { grads } = tf.variableGrads(() => tf.sum(n.multiStep(x)) as tf.Scalar, [n.w]);
    const gw = grads[n.w.name].dataSync()[0];
    expect(Number.isFinite(gw)).toBe(true);
    expect(gw).not.toBe(0);
    expect(Object.keys(n.parameters())).toEqual(['w']);
    n.dispose();
  });
});

describe('observers', () => {
  it('see spike, membrane after reset and H for every step', () => {
    const n = new IFNode();
    const seen: Array<[number, number, number, number]> = [];
    const stop = n.observe(({ t, spike, v, h }) =>
      seen.push([t, spike.dataSync()[0], v.dataSync()[0], h.dataSync()[0]]),
    );
    n.multiStep(seq([[0.6], [0.6]]));
    stop();
    n.multiStep(seq([[0.6]]));
    expect(seen.length).toBe(2);
    expect(seen[0][0]).toBe(0);
    expect(seen[1][1]).toBe(1);
    expect(seen[1][2]).toBe(0);
    expect(seen[1][3]).toBeCloseTo(1.2, 6);
  });

  it('a sequence observer sees H of all steps once per call, on every path, and only while active', () => {
    const rows = [
      [0.6, -0.2],
      [0.7, 1.4],
      [0.1, 0.3],
    ];
    for (const make of [() => new LIFNode({ tau: 2 }), () => new LIFNode({ tau: 2, fused: false })]) {
      const n = make();
      const steps: number[][] = [];
      n.observe(({ h }) => steps.push(Array.from(h.dataSync())));
      const calls: { shape: number[]; h: number[]; vThreshold: number; vReset: number | null }[] = [];
      let active = true;
      n.observeSequence(
        ({ h, vThreshold, vReset }) =>
          calls.push({ shape: h.shape, h: Array.from(h.dataSync()), vThreshold, vReset }),
        { active: () => active },
      );
      n.multiStep(seq(rows));
      expect(calls.length).toBe(1);
      expect(calls[0].shape).toEqual([3, 1, 2]);
      expect(calls[0].h).toEqual(steps.flat());
      expect(calls[0]).toMatchObject({ vThreshold: 1, vReset: 0 });
      n.resetState();
      n.stepMode = 's';
      n.forward(tf.tensor2d([[0.6, -0.2]]));
      expect(calls.length).toBe(2);
      expect(calls[1].shape).toEqual([1, 1, 2]);
      active = false;
      n.forward(tf.tensor2d([[0.6, -0.2]]));
      expect(calls.length).toBe(2);
      n.dispose();
    }
  });
});
