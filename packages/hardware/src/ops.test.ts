import { describe, expect, it } from 'vitest';
import { buildProfile, conv2dLayer, linearLayer } from './layout.js';
import { countOps } from './ops.js';
import { ProfileError } from './profile.js';

function counts(size: number, entries: Record<number, number>): Float64Array {
  const c = new Float64Array(size);
  for (const [k, v] of Object.entries(entries)) c[Number(k)] = v;
  return c;
}

describe('countOps by hand', () => {
  it('conv 3x3 same padding: border inputs reach fewer outputs', () => {
    // 4x4x1 input, one 3x3 filter, padding 1. Fan-out: corner 2x2 = 4, edge 2x3 = 6, interior 3x3 = 9.
    // Spikes (1 sample, T = 4): (0,0) twice, (0,1) three times, (1,1) once -> 2*4 + 3*6 + 1*9 = 35.
    const profile = buildProfile({
      timeSteps: 4,
      layers: [
        conv2dLayer({
          name: 'conv',
          inChannels: 1,
          outChannels: 1,
          inputSize: [4, 4],
          kernel: 3,
          padding: 'same',
          activity: { kind: 'measured', samples: 1, counts: counts(16, { 0: 2, 1: 3, 5: 1 }) },
        }),
      ],
    });
    const l = countOps(profile).layers[0];
    expect(l.effectiveACs).toBe(35);
    expect(l.effectiveMACs).toBe(0);
    expect(l.denseMACs).toBe(16 * 9); // framework count: padded taps included
    expect(l.denseSynOps).toBe(16 * 9 * 4);
    expect(l.neurons).toBe(16);
    expect(l.membraneUpdates).toBe(16 * 4);
    expect(l.inputEvents).toBe(6);
    expect(l.activationSparsity).toBeCloseTo(1 - 6 / 64, 12);
    expect(l.connectionSparsity).toBe(0);
  });

  it('conv stride 2 with a pruned centre tap', () => {
    // 5x5 input, 3x3 kernel, stride 2, padding 1 -> 3x3 outputs. Even input rows are reached only through
    // kernel row 1, odd rows through kernel rows 0 and 2 (same for columns). The centre weight is pruned, so
    // fan-out is 0 at (even, even), 2 at (even, odd) and (odd, even), 4 at (odd, odd).
    const mask = new Uint8Array(9).fill(1);
    mask[4] = 0;
    const layer = conv2dLayer({
      name: 'conv',
      inChannels: 1,
      outChannels: 1,
      inputSize: [5, 5],
      kernel: 3,
      stride: 2,
      padding: 1,
      weights: mask,
      // one spike each at (0,0), (0,1), (1,1), (3,3), (4,4) over 2 samples
      activity: { kind: 'measured', samples: 2, counts: counts(25, { 0: 1, 1: 1, 6: 1, 18: 1, 24: 1 }) },
    });
    expect(layer.outputSize).toEqual([3, 3]);
    const l = countOps(buildProfile({ timeSteps: 2, layers: [layer] })).layers[0];
    expect(l.effectiveACs).toBe((0 + 2 + 4 + 4 + 0) / 2);
    expect(l.nonzeroWeights).toBe(8);
    expect(l.connectionSparsity).toBeCloseTo(1 / 9, 12);
    // Assumed rate 1: every input spikes each step, sum of fan-outs = (2+3+2)^2 - 3*3 = 40 per step.
    const dense = countOps(
      buildProfile({ timeSteps: 2, layers: [{ ...layer, activity: { kind: 'rate', rate: 1 } }] }),
    ).layers[0];
    expect(dense.effectiveACs).toBe(80);
  });

  it('pruned linear layer, with and without a masked output channel', () => {
    // [in, out] mask: in0 -> {0, 2}, in1 -> {}, in2 -> {0, 1, 2}, in3 -> {1}
    const mask = Uint8Array.from([1, 0, 1, 0, 0, 0, 1, 1, 1, 0, 1, 0]);
    const activity = { kind: 'measured' as const, samples: 2, counts: counts(4, { 0: 3, 1: 6, 2: 1 }) };
    const base = { name: 'fc', inFeatures: 4, outFeatures: 3, weights: mask, activity };
    const l = countOps(buildProfile({ timeSteps: 3, layers: [linearLayer(base)] })).layers[0];
    expect(l.effectiveACs).toBe((3 * 2 + 6 * 0 + 1 * 3) / 2);
    expect(l.denseMACs).toBe(12);
    expect(l.nonzeroWeights).toBe(6);
    expect(l.connectionSparsity).toBe(0.5);
    expect(l.membraneUpdates).toBe(9);
    expect(l.activationSparsity).toBeCloseTo(1 - 5 / 12, 12);

    const masked = countOps(
      buildProfile({ timeSteps: 3, layers: [linearLayer({ ...base, outChannelMask: [1, 1, 0] })] }),
    ).layers[0];
    expect(masked.effectiveACs).toBe((3 * 1 + 1 * 2) / 2);
    expect(masked.denseMACs).toBe(8);
    expect(masked.neurons).toBe(2);
    expect(masked.membraneUpdates).toBe(6);
  });

  it('direct-encoded analog first layer counts effective MACs once per sample', () => {
    const profile = buildProfile({
      timeSteps: 8,
      layers: [
        linearLayer({
          name: 'fc1',
          input: 'analog',
          steps: 1,
          inFeatures: 3,
          outFeatures: 2,
          weights: [1, 0, 0.5, 2, 0, 0],
          activity: { kind: 'measured', samples: 1, counts: counts(3, { 0: 1, 1: 1 }) },
        }),
        linearLayer({
          name: 'fc2',
          inFeatures: 2,
          outFeatures: 1,
          neurons: false,
          activity: { kind: 'rate', rate: 0.25 },
        }),
      ],
    });
    const r = countOps(profile);
    expect(r.layers[0].effectiveMACs).toBe(1 + 2);
    expect(r.layers[0].effectiveACs).toBe(0);
    expect(r.layers[0].membraneUpdates).toBe(2 * 8);
    expect(r.layers[1].effectiveACs).toBe(0.25 * 8 * 2);
    expect(r.layers[1].membraneUpdates).toBe(0);
    expect(r.total.effectiveMACs).toBe(3);
    expect(r.total.effectiveACs).toBe(4);
    expect(r.total.denseMACs).toBe(6 + 2);
    expect(r.total.weights).toBe(8);
    expect(r.total.nonzeroWeights).toBe(3 + 2);
  });

  it('rejects inconsistent profiles with the layer and field named', () => {
    const bad = linearLayer({
      name: 'fc',
      inFeatures: 2,
      outFeatures: 2,
      activity: { kind: 'measured', samples: 1, counts: counts(2, { 0: 5 }) },
    });
    expect(() => buildProfile({ timeSteps: 4, layers: [bad] })).toThrow(
      /layer 0 \(fc\): activity.counts\[0\] = 5/,
    );
    expect(() => linearLayer({ name: 'fc', inFeatures: 2, outFeatures: 2, weights: [1, 2, 3] })).toThrow(
      /weights have 3 entries, expected 4/,
    );
    expect(() =>
      buildProfile({
        timeSteps: 1,
        layers: [linearLayer({ name: 'fc', inFeatures: 4, outFeatures: 2, inputShape: [1, 2, 3] })],
      }),
    ).toThrow(ProfileError);
  });
});
