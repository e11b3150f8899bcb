import { Neuron } from '@synaptogen/nn/layers';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { ChannelGroup } from '@synaptogen/nn/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActivityMonitor } from './monitor.js';
import { getChannelScore, listChannelScores, registerChannelScore } from './scores.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

/** IF (V_th = 1, hard reset 0) input `[T=2, N=1, H=1, W=2, C=2]`, written out per (t, w, c). */
const INPUT = tf.tensor5d(
  [
    // t = 0: (w0: c0, c1), (w1: c0, c1)
    [
      [
        [
          [0.5, -1],
          [1.5, 0.25],
        ],
      ],
    ],
    // t = 1
    [
      [
        [
          [0.7, 0],
          [-0.2, 0.25],
        ],
      ],
    ],
  ],
  [2, 1, 1, 2, 2],
);
// By hand: c0 at w0: h 0.5 → v 0.5; h 1.2 → spike, v 0. At w1: h 1.5 → spike, v 0; h −0.2 → v −0.2.
// c1 at w0: h −1, −1 (no spike); at w1: h 0.25, 0.5.
const BY_HAND: Record<string, [number, number]> = {
  activity: [(0.5 + 1 + 1 + 0.2) / 4, (1 + 1 + 0.25 + 0.5) / 4],
  'firing-rate': [2 / 4, 0],
  'pre-reset': [(0.5 + 1.2 + 1.5 + 0.2) / 4, (1 + 1 + 0.25 + 0.5) / 4],
};

function monitored(score: string) {
  const neuron = new Neuron({ type: 'IF', vThreshold: 1, vReset: 0, detachReset: true });
  const group = { neuron, channels: 2 } as unknown as ChannelGroup;
  const monitor = new ActivityMonitor([group], getChannelScore(score).fn).start();
  const run = (x: tf.Tensor) => {
    neuron.resetState();
    tf.tidy(() => {
      neuron.call({ x, temporal: true }, { T: 2, training: neuron.training });
    });
    monitor.flush();
  };
  return { neuron, monitor, run };
}

describe('channel scores and the activity monitor', () => {
  it('ships the reference score, firing rate and pre-reset |v|', () => {
    expect(listChannelScores()).toEqual(expect.arrayContaining(['activity', 'firing-rate', 'pre-reset']));
    expect(() => getChannelScore('nope')).toThrow(/unknown channel score "nope"; expected one of: activity/);
  });

  for (const name of Object.keys(BY_HAND)) {
    it(`${name}: channel mean over (t, n, h, w) of a hand-made tensor`, () => {
      const { monitor, run } = monitored(name);
      run(INPUT);
      const [scores] = monitor.scores();
      expect(scores[0]).toBeCloseTo(BY_HAND[name][0], 6);
      expect(scores[1]).toBeCloseTo(BY_HAND[name][1], 6);
      monitor.dispose();
    });
  }

  it('averages over training batches, ignores evaluation-mode passes, resets after reading', () => {
    const { neuron, monitor, run } = monitored('activity');
    run(INPUT);
    run(tf.zerosLike(INPUT)); // a silent batch halves the epoch mean
    neuron.eval();
    run(tf.mul(INPUT, 100)); // evaluation (test data) must not count
    neuron.train();
    const [scores] = monitor.scores();
    expect(monitor.batches).toBe(2);
    expect(scores[0]).toBeCloseTo(BY_HAND.activity[0] / 2, 6);
    expect(scores[1]).toBeCloseTo(BY_HAND.activity[1] / 2, 6);
    monitor.reset();
    expect(Array.from(monitor.scores()[0])).toEqual([0, 0]);
    monitor.dispose();
  });

  it('a plugin score is used by name', () => {
    registerChannelScore('negative-v', ({ v }) => tf.relu(tf.neg(v)), 'only hyperpolarisation');
    const { monitor, run } = monitored('negative-v');
    run(INPUT);
    const [scores] = monitor.scores();
    expect(scores[0]).toBeCloseTo(0.2 / 4, 6);
    expect(scores[1]).toBeCloseTo(2 / 4, 6);
    monitor.dispose();
  });
});

describe('scores reduced from H in one pass per forward call', () => {
  const BUILT_IN = ['activity', 'firing-rate', 'pre-reset'];

  /** Channel scores of `score` (a registered name, or its step-record fn alone) over two training batches. */
  function scoresOf(
    score: ReturnType<typeof getChannelScore> | ((r: never) => tf.Tensor),
    vReset: number | null,
  ) {
    const neuron = new Neuron({ type: 'LIF', tau: 2, vThreshold: 0.6, vReset, detachReset: true });
    const group = { neuron, channels: 5 } as unknown as ChannelGroup;
    const monitor = new ActivityMonitor([group], score as ReturnType<typeof getChannelScore>).start();
    for (const seed of [3, 4]) {
      neuron.resetState();
      tf.tidy(() => {
        const x = tf.randomUniform([3, 2, 4, 4, 5], -0.5, 1.5, 'float32', seed);
        neuron.call({ x, temporal: true }, { T: 3, training: true });
      });
      monitor.flush();
    }
    const [scores] = monitor.scores();
    expect(monitor.batches).toBe(2);
    monitor.dispose();
    return Array.from(scores);
  }

  for (const name of BUILT_IN)
    for (const vReset of [0, 0.1, null])
      it(`${name} (vReset ${vReset}): the same channel means as the step records`, () => {
        const score = getChannelScore(name);
        expect(score.ofPotential).toBeTypeOf('function');
        const fromH = scoresOf(score, vReset);
        const fromSteps = scoresOf(score.fn, vReset);
        expect(fromSteps.some((v) => v > 0)).toBe(true);
        fromH.forEach((v, c) => {
          expect(v).toBeCloseTo(fromSteps[c], 5);
        });
      });

  it('a score with ofPotential never builds step records', () => {
    registerChannelScore(
      'h-only',
      () => {
        throw new Error('step records were built');
      },
      '|H| without step records',
      { ofPotential: (h) => Math.abs(h) },
    );
    expect(scoresOf(getChannelScore('h-only'), 0)).toEqual(scoresOf(getChannelScore('pre-reset'), 0));
    expect(() => registerChannelScore('bad', ({ h }) => h, '', { ofPotential: 3 as never })).toThrow(
      /channel score "bad": ofPotential must be a function/,
    );
    expect(() =>
      registerChannelScore('bad', ({ h }) => h, '', { ofPotential: Math.abs, kernelScore: 'nope' }),
    ).toThrow(/kernelScore "nope" is not a native score; expected one of: activity, firing-rate, pre-reset/);
    expect(() => registerChannelScore('bad', ({ h }) => h, '', { kernelScore: 'pre-reset' })).toThrow(
      /kernelScore needs ofPotential/,
    );
  });
});
