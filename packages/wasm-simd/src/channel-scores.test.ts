import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { CHANNEL_SCORE_TABLE } from '@synaptogen/contracts';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_SCORE_SUMS } from './channel-scores.js';
import { kernelsWasmBase64 } from './generated/kernels-wasm.js';
import { decodeBase64 } from './runtime.js';
import { seededRange } from './test-helpers.js';
import { useWasmSimd, type WasmSimdRegistration } from './tfjs.js';

tf.env().set('PROD', true);

/** The score as element-wise tfjs ops on the step records (how `@synaptogen/structure` defines it). */
function opsSums(h: tf.Tensor, score: number, vth: number, vReset: number | null): number[] {
  return tf.tidy(() => {
    const s = tf.cast(tf.greaterEqual(h, vth), 'float32');
    const v =
      vReset === null ? tf.sub(h, tf.mul(s, vth)) : tf.add(tf.mul(s, vReset), tf.mul(tf.sub(1, s), h));
    const x = score === 0 ? tf.add(s, tf.abs(v)) : score === 1 ? s : tf.abs(h);
    const axes = Array.from({ length: h.rank - 1 }, (_, i) => i);
    return Array.from(tf.sum(x, axes).dataSync());
  });
}

const run = (h: tf.Tensor, score: number, vThreshold: number, vReset: number | null) =>
  tf.tidy(() =>
    Array.from(
      (
        tf.engine().runKernel(
          CHANNEL_SCORE_SUMS,
          { h },
          {
            score,
            vThreshold,
            vReset: vReset ?? 0,
            soft: vReset === null,
          },
        ) as tf.Tensor
      ).dataSync(),
    ),
  );

let reg: WasmSimdRegistration;
beforeAll(async () => {
  reg = await useWasmSimd({ kernels: [CHANNEL_SCORE_SUMS] });
});
afterAll(() => reg.unregister());

describe('channel score sums (SCA scores from H)', () => {
  // channels 32 (SIMD only), 9 (a scalar tail) and 3; 600 rows cross the 256-row float32 blocks
  for (const [rows, C] of [
    [600, 32],
    [300, 9],
    [7, 3],
  ])
    for (const { id, name } of CHANNEL_SCORE_TABLE)
      for (const vReset of [0, -0.3, null])
        it(`${name}, ${rows}×${C}, vReset ${vReset}: equal to the tfjs ops, on wasm and cpu`, async () => {
          const data = seededRange(rows * C, 5 + C, -1, 2);
          for (const backend of ['wasm', 'cpu']) {
            await tf.setBackend(backend);
            const h = tf.tensor(data, [rows / (rows % 3 === 0 ? 3 : 1), rows % 3 === 0 ? 3 : 1, C]);
            const want = opsSums(h, id, 0.7, vReset);
            const got = run(h, id, 0.7, vReset);
            expect(got.length).toBe(C);
            expect(want.some((w) => w > 0)).toBe(true);
            got.forEach((g, c) => {
              expect(g).toBeCloseTo(want[c], 2);
              expect(Math.abs(g - want[c]) / Math.max(1, Math.abs(want[c]))).toBeLessThan(1e-5);
            });
            h.dispose();
          }
        });

  it("switches on the contract's score ids", async () => {
    const { instance } = await WebAssembly.instantiate(decodeBase64(kernelsWasmBase64));
    const id = (name: string) => (instance.exports[name] as WebAssembly.Global).value;
    expect({
      activity: id('CHANNEL_SCORE_ACTIVITY'),
      'firing-rate': id('CHANNEL_SCORE_FIRING_RATE'),
      'pre-reset': id('CHANNEL_SCORE_PRE_RESET'),
    }).toEqual(Object.fromEntries(CHANNEL_SCORE_TABLE.map((s) => [s.name, s.id])));
  });

  it('refuses bad attrs in one line', async () => {
    await tf.setBackend('wasm');
    const h = tf.ones([2, 4]);
    expect(() => run(h, 7, 1, 0)).toThrow(
      /^channel score sums: attrs.score must be a channel-score id \(0 activity, 1 firing-rate, 2 pre-reset\), got 7$/,
    );
    expect(() => run(h, 0, Number.NaN, 0)).toThrow(/attrs.vThreshold must be a finite number, got NaN/);
    h.dispose();
  });
});
