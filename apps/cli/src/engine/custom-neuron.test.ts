import '@tensorflow/tfjs-core/dist/register_all_gradients';
import {
  LIFNode,
  type LIFOptions,
  type LinearCharge,
  type NativeCharge,
  registerNeuron,
} from '@synaptogen/neurons';
import { initBackend, type ModelConfig } from '@synaptogen/nn';
import { buildModel } from '@synaptogen/nn/models';
import { wasmSimd } from '@synaptogen/wasm-simd';
import { NEURON_FORWARD } from '@synaptogen/wasm-simd/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { countKernelCalls } from './test-kernel-calls.js';

/**
 * A neuron added in a user's own file (issue 20): a LIF whose input is amplified by `gain`,
 * H = V + (gain·X − (V − V_reset))/τ. It declares no native charge, so the wasm-simd engine must run
 * it on the tfjs path; before the fix it inherited LIF's kernel description and ran as a plain LIF.
 */
class GainLIFNode extends LIFNode {
  override readonly kind: string = 'GainLIF';
  constructor(
    options: LIFOptions,
    readonly gain = 2,
  ) {
    super(options);
  }
  protected override linearCharge(): LinearCharge {
    const k = 1 / this.tau;
    return { cv: 1 - k, cx: this.gain * k, c0: k * this.vInit };
  }
  protected override charge(v: tf.Tensor | null, x: tf.Tensor): tf.Tensor {
    const k = 1 / this.tau;
    const vr = this.vInit;
    const gx = tf.mul(x, this.gain);
    if (!v) return tf.add(tf.mul(gx, k), vr);
    return tf.add(v, tf.mul(tf.sub(gx, tf.sub(v, vr)), k));
  }
}

/** The same neuron claiming a native kernel for a charge no kernel implements. */
class GainLIFClaimingNative extends GainLIFNode {
  protected override nativeCharge(): NativeCharge {
    return { kind: 'GainLIF', tau: this.tau, gain: this.gain } as unknown as NativeCharge;
  }
}

const T = 4;
const seeded = (n: number, seed: number) =>
  Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.9 + 0.35);

/** Calls of the native neuron kernel, counted once wasm-simd is registered. */
let nativeCalls = { count: 0 };

/**
 * Five SGD steps of a per-feature input scale through the neuron: the loss per step, the final
 * scale, and whether the native neuron kernel ran.
 */
function train(make: () => LIFNode) {
  const node = make();
  const x = tf.tensor3d(seeded(T * 8 * 6, 3), [T, 8, 6]);
  const target = tf.tensor2d(
    seeded(8 * 6, 5).map((v) => (v > 0.5 ? 1 : 0)),
    [8, 6],
  );
  const w = tf.variable(tf.tensor1d(seeded(6, 7).map((v) => 0.8 + v / 2)));
  const losses: number[] = [];
  const calls = nativeCalls.count;
  for (let step = 0; step < 5; step++) {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        node.resetState();
        const rate = tf.mean(node.multiStep(tf.mul(x, w)), 0);
        return tf.mean(tf.square(tf.sub(rate, target))) as tf.Scalar;
      }, [w]);
      losses.push(value.dataSync()[0]);
      w.assign(tf.sub(w, tf.mul(grads[w.name], 2)));
    });
  }
  const out = { losses, w: Array.from(w.dataSync()), native: nativeCalls.count > calls };
  node.dispose();
  tf.dispose([x, target, w]);
  return out;
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('a neuron defined outside the library on the wasm-simd engine', () => {
  it('trains with the same results as on cpu, on the tfjs path: it is never run as LIF', async () => {
    const gainLif = () => new GainLIFNode({ tau: 2, surrogate: 'atan' });
    const lif = () => new LIFNode({ tau: 2, surrogate: 'atan' });
    await initBackend({ backend: 'cpu' });
    const cpu = train(gainLif);
    // on stock kernels a claimed native charge changes nothing: no kernel is asked
    const claiming = train(() => new GainLIFClaimingNative({ tau: 2, surrogate: 'atan' }));
    expect(claiming.losses).toEqual(cpu.losses);
    await initBackend({ backend: 'wasm', accelerator: wasmSimd() });
    nativeCalls = countKernelCalls(NEURON_FORWARD);
    const simd = train(gainLif);
    const simdLif = train(lif);

    expect(simdLif.native).toBe(true); // the engine does serve LIF natively: the check below is live
    expect(simd.native).toBe(false);
    for (const [i, l] of cpu.losses.entries()) expect(simd.losses[i]).toBeCloseTo(l, 5);
    for (const [i, v] of cpu.w.entries()) expect(simd.w[i]).toBeCloseTo(v, 5);
    expect(cpu.losses.at(-1)).toBeLessThan(cpu.losses[0]); // it learns
    // run as a plain LIF, the same training goes elsewhere
    expect(simdLif.losses[0]).not.toBeCloseTo(simd.losses[0], 3);
  });

  it('is refused by wasm-simd with one clear line when it claims a native charge no kernel has', async () => {
    await initBackend({ backend: 'wasm', accelerator: wasmSimd() });
    expect(() => train(() => new GainLIFClaimingNative({ tau: 2 }))).toThrow(
      /^neuron: unknown charge kind "GainLIF"; the native kernel runs 'IF' and 'LIF' only[^\n]*$/,
    );
  });

  it('registered by name, builds in a model stored as data and trains alike on cpu and wasm-simd', async () => {
    registerNeuron('GainLIF', (o: LIFOptions & { gain?: number }) => new GainLIFNode(o, o.gain));
    const config: ModelConfig = {
      name: 'gain-lif-net',
      T,
      inputShape: [6],
      classes: 3,
      seed: 4,
      loss: 'cross-entropy',
      layers: [
        { type: 'Linear', outFeatures: 8, bias: true },
        { type: 'Neuron', neuron: { type: 'GainLIF', tau: 2, options: { gain: 3 } } },
        { type: 'Linear', outFeatures: 3, bias: true },
      ],
    };
    const step = () => {
      const model = buildModel(config);
      const x = tf.tensor2d(seeded(5 * 6, 9), [5, 6]);
      const y = tf.tensor2d(
        [0, 1, 2, 1, 0].flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))),
        [5, 3],
      );
      const params = model.namedParameters().map(([, v]) => v);
      const calls = nativeCalls.count;
      const { value, grads } = tf.variableGrads(
        () =>
          tf.neg(
            tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(model.forward(x, { training: true }))), -1)),
          ) as tf.Scalar,
        params,
      );
      const out = {
        loss: value.dataSync()[0],
        grads: params.map((p) => Array.from(grads[p.name].dataSync())),
        native: nativeCalls.count > calls,
        gain: (model.body.layers[1] as unknown as { node: GainLIFNode }).node.gain,
      };
      tf.dispose([x, y, value, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    await initBackend({ backend: 'cpu' });
    const cpu = step();
    await initBackend({ backend: 'wasm', accelerator: wasmSimd() });
    const simd = step();
    expect(cpu.gain).toBe(3);
    expect(simd.native).toBe(false);
    expect(simd.loss).toBeCloseTo(cpu.loss, 5);
    for (const [i, g] of cpu.grads.entries())
      for (const [j, v] of g.entries()) expect(simd.grads[i][j]).toBeCloseTo(v, 4);
    expect(cpu.grads[0].some((v) => v !== 0)).toBe(true); // the gradient reaches the first layer
  });
});
