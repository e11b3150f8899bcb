import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinearCharge } from './fused.js';
import { FUSED_NEURON_BACKWARD, FUSED_NEURON_FORWARD } from './fused.js';
import { BaseNode, IFNode, LIFNode } from './node.js';

/** A neuron added as a user would, declaring no native charge: H = V + 2·X. */
class DoubleInputIF extends BaseNode {
  readonly kind = 'DoubleInputIF';
  protected override linearCharge(): LinearCharge {
    return { cv: 1, cx: 2, c0: 0 };
  }
  protected charge(v: tf.Tensor | null, x: tf.Tensor): tf.Tensor {
    return v ? tf.add(v, tf.mul(x, 2)) : tf.mul(x, 2);
  }
}

/** A LIF variant that changes the charge (H = (1 − 1/τ)·V + X) and inherits LIF's native declaration. */
class NoInputDecayLIF extends LIFNode {
  override readonly kind = 'NoInputDecayLIF';
  protected override linearCharge(): LinearCharge {
    return { cv: 1 - 1 / this.tau, cx: 1, c0: 0 };
  }
  protected override charge(v: tf.Tensor | null, x: tf.Tensor): tf.Tensor {
    return v ? tf.add(tf.mul(v, 1 - 1 / this.tau), x) : x;
  }
}

/** An IF subclass that redefines only the step-by-step charge (H = V + X − 0.1). */
class BiasedIF extends IFNode {
  protected override charge(v: tf.Tensor | null, x: tf.Tensor): tf.Tensor {
    return tf.sub(v ? tf.add(v, x) : x, 0.1);
  }
}

/**
 * A stand-in native kernel (plain loops, IF neuron, hard reset to 0, detached reset, sigmoid α = 4)
 * registered on the cpu backend under the fused op's names, to test the dispatch around it:
 * attributes, direct encoding of rank-4 inputs, the membrane left after the call.
 */
const seen: Record<string, unknown>[] = [];
const stepsSeen: (number | undefined)[] = [];
const sg = (x: number) => {
  const s = 1 / (1 + Math.exp(-4 * x));
  return 4 * s * (1 - s);
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.registerKernel({
    kernelName: FUSED_NEURON_FORWARD,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      seen.push(JSON.parse(attrs!.options as string));
      stepsSeen.push(attrs!.steps as number | undefined);
      const x = inputs.x as tf.TensorInfo;
      const b = backend as any;
      const xs = b.readSync(x.dataId) as Float32Array;
      const steps = attrs!.steps as number | undefined;
      const T = steps ?? x.shape[0];
      const m = steps ? xs.length : xs.length / T;
      const shape = steps ? [T, ...x.shape] : x.shape;
      const s = new Float32Array(T * m);
      const h = new Float32Array(T * m);
      const v = new Float32Array(m);
      for (let t = 0; t < T; t++)
        for (let i = 0; i < m; i++) {
          const hi = v[i] + xs[(steps ? 0 : t * m) + i];
          h[t * m + i] = hi;
          s[t * m + i] = hi >= 1 ? 1 : 0;
          v[i] = hi >= 1 ? 0 : hi;
        }
      return [b.makeTensorInfo(shape, 'float32', s), b.makeTensorInfo(shape, 'float32', h)];
    },
  });
  tf.registerKernel({
    kernelName: FUSED_NEURON_BACKWARD,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as any;
      const steps = attrs!.steps as number | undefined;
      const dy = b.readSync((inputs.dy as tf.TensorInfo).dataId) as Float32Array;
      const h = b.readSync((inputs.h as tf.TensorInfo).dataId) as Float32Array;
      const shape = (inputs.dy as tf.TensorInfo).shape;
      const T = shape[0];
      const m = dy.length / T;
      const dx = new Float32Array(dy.length);
      const dv = new Float32Array(m);
      for (let t = T - 1; t >= 0; t--)
        for (let i = 0; i < m; i++) {
          const hi = h[t * m + i];
          const dh = dy[t * m + i] * sg(hi - 1) + dv[i] * (hi >= 1 ? 0 : 1);
          dx[t * m + i] = dh;
          dv[i] = dh;
        }
      if (!steps) return b.makeTensorInfo(shape, 'float32', dx);
      const sum = new Float32Array(m); // direct encoding: the input's gradient sums over the steps
      for (let t = 0; t < T; t++) for (let i = 0; i < m; i++) sum[i] += dx[t * m + i];
      return b.makeTensorInfo(shape.slice(1), 'float32', sum);
    },
  });
});

afterAll(() => {
  tf.unregisterKernel(FUSED_NEURON_FORWARD, 'cpu');
  tf.unregisterKernel(FUSED_NEURON_BACKWARD, 'cpu');
});

describe('a registered native fused neuron kernel', () => {
  it('is used for direct encoding of conv-shaped input, with the same spikes, gradients and final membrane', () => {
    const x = tf.tensor4d(
      Array.from({ length: 2 * 3 * 3 * 2 }, (_, i) => ((i * 7) % 11) / 8 - 0.2),
      [2, 3, 3, 2],
    );
    const weights = tf.tensor(
      Array.from({ length: 4 * x.size }, (_, i) => 1 + (i % 5) / 4),
      [4, 2, 3, 3, 2],
    );
    const run = (fused: boolean) => {
      const node = new IFNode({ detachReset: true, surrogate: 'sigmoid', fused });
      const spikes = Array.from(node.multiStepConstant(x, 4).dataSync());
      const vLast = Array.from(node.v!.dataSync());
      node.resetState();
      const grad = tf.grad((a: tf.Tensor) => {
        node.resetState();
        return tf.sum(tf.mul(node.multiStepConstant(a, 4), weights));
      })(x);
      return { spikes, vLast, grad: Array.from(grad.dataSync()) };
    };
    const ref = run(false);
    const calls = seen.length;
    const got = run(true);
    expect(seen.length).toBeGreaterThan(calls);
    expect(seen[seen.length - 1]).toMatchObject({ kind: 'IF', vThreshold: 1, vReset: 0, detachReset: true });
    expect(stepsSeen[stepsSeen.length - 1]).toBe(4);
    expect(got.spikes).toEqual(ref.spikes);
    expect(ref.spikes.some((s) => s === 1)).toBe(true);
    for (const [i, v] of got.vLast.entries()) expect(v).toBeCloseTo(ref.vLast[i], 5);
    for (const [i, g] of got.grad.entries()) expect(g).toBeCloseTo(ref.grad[i], 4);
  });
  it('keeps the final membrane lazily: a second call continues from it, and a reset frees it unread', async () => {
    const x = tf.tensor2d([0.4, 1.2, -0.3, 0.9, 0.6, 0.05], [2, 3]);
    const twice = (fused: boolean) => {
      const node = new IFNode({ detachReset: true, surrogate: 'sigmoid', fused });
      const a = node.multiStepConstant(x, 3);
      const b = node.multiStepConstant(x, 2); // not fresh: the op path continues from V
      const out = [...a.dataSync(), ...b.dataSync(), ...node.v!.dataSync()];
      tf.dispose([a, b]);
      node.dispose();
      return out;
    };
    const calls = seen.length;
    const got = twice(true);
    expect(seen.length).toBe(calls + 1); // only the first call was fresh
    const ref = twice(false);
    for (const [i, v] of got.entries()) expect(v).toBeCloseTo(ref[i], 6);
    // the fused call itself computes no reset (no GreaterEqual); reading v does
    const lazy = new IFNode({ detachReset: true, surrogate: 'sigmoid' });
    const call = await tf.profile(() => lazy.multiStepConstant(x, 3).dispose());
    expect(call.kernels.map((k) => k.name)).not.toContain('GreaterEqual');
    const read = await tf.profile(() => lazy.v!.dataSync());
    expect(read.kernels.map((k) => k.name)).toContain('GreaterEqual');
    lazy.dispose();
    const before = tf.memory().numTensors;
    const node = new IFNode({ detachReset: true, surrogate: 'sigmoid' });
    const s = node.multiStepConstant(x, 3);
    s.dispose();
    node.resetState(); // the pending H is freed without V ever being computed
    expect(tf.memory().numTensors).toBe(before);
  });
  it('keeps the kernel while observed: records rebuilt from its H equal the op path, inactive observers cost nothing', () => {
    const x = tf.tensor(
      Array.from({ length: 3 * 2 * 2 * 3 }, (_, i) => ((i * 5) % 13) / 9 - 0.1),
      [3, 2, 2, 3],
    );
    const watch = (fused: boolean, active: () => boolean) => {
      const node = new IFNode({ detachReset: true, surrogate: 'sigmoid', fused });
      const records: number[][] = [];
      const stop = node.observe(
        ({ t, spike, v, h }) => records.push([t, ...spike.dataSync(), ...v.dataSync(), ...h.dataSync()]),
        { active },
      );
      const before = tf.memory().numTensors;
      const grad = tf.grad((a: tf.Tensor) => {
        node.resetState();
        return tf.sum(tf.mul(node.multiStepConstant(a, 4), 1.5));
      })(x);
      node.resetState();
      const leaked = tf.memory().numTensors - before - 1; // the gradient is the one tensor kept
      stop();
      const out = { records, grad: Array.from(grad.dataSync()), leaked };
      grad.dispose();
      node.dispose();
      return out;
    };
    const calls = seen.length;
    const got = watch(true, () => true);
    expect(seen.length).toBe(calls + 1); // the native kernel ran with the observer attached
    const ref = watch(false, () => true);
    expect(got.records.length).toBe(4);
    expect(got.records.map((r) => r[0])).toEqual([0, 1, 2, 3]);
    for (const [t, r] of got.records.entries())
      for (const [i, v] of r.entries()) expect(v).toBeCloseTo(ref.records[t][i], 5);
    for (const [i, g] of got.grad.entries()) expect(g).toBeCloseTo(ref.grad[i], 4);
    expect(got.leaked).toBe(0);
    const idle = watch(true, () => false);
    expect(idle.records).toEqual([]);
    expect(idle.grad).toEqual(got.grad);
  });
  it('is never used for a neuron that does not declare its native charge: it runs the tfjs paths', () => {
    const x = tf.tensor(
      Array.from({ length: 5 * 2 * 3 }, (_, i) => ((i * 7) % 11) / 10 - 0.2137), // no sum lands on V_th
      [5, 2, 3],
    );
    const run = (node: BaseNode) => {
      const grad = tf.grad((a: tf.Tensor) => {
        node.resetState();
        return tf.sum(tf.mul(node.multiStep(a), 1.5));
      })(x);
      node.resetState();
      const spikes = Array.from(node.multiStep(x).dataSync());
      node.dispose();
      return { spikes, grad: Array.from(grad.dataSync()) };
    };
    const options = { detachReset: true, surrogate: 'sigmoid' } as const;
    for (const make of [
      (fused: boolean) => new DoubleInputIF({ ...options, fused }),
      (fused: boolean) => new NoInputDecayLIF({ ...options, tau: 2, fused }),
      (fused: boolean) => new BiasedIF({ ...options, fused }),
    ]) {
      const calls = seen.length;
      const node = make(true);
      const kind = node.kind;
      const got = run(node);
      expect(seen.length, kind).toBe(calls); // the stand-in (an IF) was not asked
      const ref = run(make(false)); // step by step, from the node's own charge()
      expect(got.spikes, kind).toEqual(ref.spikes);
      for (const [i, g] of got.grad.entries()) expect(g).toBeCloseTo(ref.grad[i], 4);
    }
    // the variants differ from IF on this input, so running them as IF would have shown
    const asIF = run(new IFNode({ ...options, fused: false }));
    expect(run(new DoubleInputIF({ ...options, fused: false })).spikes).not.toEqual(asIF.spikes);
    expect(run(new BiasedIF({ ...options, fused: false })).spikes).not.toEqual(asIF.spikes);
  });
});
