import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { initBackend } from '@synaptogen/nn';
import { Neuron } from '@synaptogen/nn/layers';
import type { ChannelGroup } from '@synaptogen/nn/models';
import { ActivityMonitor, getChannelScore } from '@synaptogen/structure/sca';
import { wasmSimd } from '@synaptogen/wasm-simd';
import { CHANNEL_SCORE_SUMS, NEURON_FORWARD } from '@synaptogen/wasm-simd/kernels';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { countKernelCalls } from './test-kernel-calls.js';

/**
 * SCA's channel scores on the wasm-simd engine: a built-in score takes the native neuron kernel's H
 * whole (one record per call) and sums it in the channel-score kernel; a step-record score rebuilds
 * T records from H. Both must give the same channel means.
 */
function channelScores(score: ReturnType<typeof getChannelScore> | ReturnType<typeof getChannelScore>['fn']) {
  const neuron = new Neuron({ type: 'IF', vThreshold: 1, vReset: 0, detachReset: true });
  const group = { neuron, channels: 8 } as unknown as ChannelGroup;
  const monitor = new ActivityMonitor([group], score).start();
  for (const seed of [1, 2]) {
    neuron.resetState();
    tf.tidy(() => {
      const x = tf.randomUniform([4, 3, 5, 5, 8], -0.4, 1.4, 'float32', seed);
      neuron.call({ x, temporal: true }, { T: 4, training: true });
    });
    monitor.flush();
  }
  const [scores] = monitor.scores();
  monitor.dispose();
  return Array.from(scores);
}

describe('SCA channel scores on the native neuron kernel', () => {
  it('are the same from the whole H as from the rebuilt step records', async () => {
    await initBackend({ backend: 'wasm', accelerator: wasmSimd() });
    expect(tf.getKernel(NEURON_FORWARD, 'wasm')).toBeDefined(); // the native path is the one under test
    const scoreKernelCalls = countKernelCalls(CHANNEL_SCORE_SUMS);
    for (const name of ['activity', 'firing-rate', 'pre-reset']) {
      const score = getChannelScore(name);
      const before = scoreKernelCalls.count;
      const fromH = channelScores(score);
      expect(scoreKernelCalls.count - before).toBe(2); // one call per forward (batch)
      const fromSteps = channelScores(score.fn);
      expect(scoreKernelCalls.count - before).toBe(2);
      expect(fromSteps.some((v) => v > 0)).toBe(true);
      fromH.forEach((v, c) => {
        expect(v).toBeCloseTo(fromSteps[c], 5);
      });
    }
  });
});
