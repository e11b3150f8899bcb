import { describe, expect, it } from 'vitest';
import { type Chip, ChipError, chip, chipNames, parseChip } from './chip.js';
import { buildProfile, conv2dLayer, linearLayer } from './layout.js';
import { mapToChip } from './mapping.js';

function customChip(core: Partial<Chip['core']>, extra: Partial<Chip> = {}): Chip {
  return parseChip({
    name: 'test',
    coresPerChip: 4,
    core: {
      maxNeurons: 8,
      maxInputAxons: null,
      maxOutputAxons: null,
      maxFanOutPerNeuron: null,
      synapseMemory: null,
      ...core,
    },
    ...extra,
  });
}

describe('built-in chips', () => {
  it('ships loihi, loihi2, truenorth and spinnaker as data', () => {
    expect(chipNames().sort()).toEqual(['loihi', 'loihi2', 'spinnaker', 'truenorth']);
    const l = chip('loihi');
    expect(l.coresPerChip).toBe(128);
    expect(l.core.maxNeurons).toBe(1024);
    expect(l.core.maxInputAxons).toBe(4096);
    expect(l.core.synapseMemory?.bits).toBe(128 * 1024 * 8);
    expect(chip('truenorth').core.maxFanOutPerNeuron).toBe(1);
    expect(() => chip('akida')).toThrow(/unknown chip 'akida' \(built-in: loihi/);
  });

  it('rejects bad chip JSON naming the field', () => {
    expect(() => parseChip({ name: 'x', coresPerChip: 4, core: { maxNeurons: -1 } }, 'my.json')).toThrow(
      /my.json \(x\): core.maxNeurons must be an integer >= 1, got -1/,
    );
    expect(() =>
      parseChip({ name: 'x', coresPerChip: 4, core: { maxNeurons: 4, maxAxons: 2 } }, 'my.json'),
    ).toThrow(/unknown field 'maxAxons'/);
    expect(() =>
      parseChip({
        name: 'x',
        coresPerChip: 1,
        core: {
          maxNeurons: 4,
          synapseMemory: { bits: 64, wordBits: 64, weightBits: 9, maxWeightBits: 8, encodings: ['dense'] },
        },
      }),
    ).toThrow(ChipError);
  });
});

describe('mapToChip by hand', () => {
  it('splits a pruned layer across cores by fan-in (input axons)', () => {
    // out0 <- {0..3}, out1 <- {4..7}, out2 <- {0,1}, out3 <- {4,5}; at most 6 input axons per core.
    // core 0: out0 (4 axons); out1 would need 8 -> closed by inputAxons.
    // core 1: out1 {4..7} + out2 {0,1} = 6 axons, out3 adds none.
    const mask = new Uint8Array(8 * 4);
    const fanIn = [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [0, 1],
      [4, 5],
    ];
    fanIn.forEach((ins, o) => {
      for (const i of ins) mask[i * 4 + o] = 1;
    });
    const profile = buildProfile({
      timeSteps: 1,
      layers: [linearLayer({ name: 'fc', inFeatures: 8, outFeatures: 4, weights: mask })],
    });
    const m = mapToChip(profile, customChip({ maxInputAxons: 6 }));
    expect(m.cores).toBe(2);
    expect(m.coreUsage.map((c) => [c.neurons, c.inputAxons, c.synapses, c.closedBy])).toEqual([
      [1, 4, 4, 'inputAxons'],
      [3, 6, 8, null],
    ]);
    expect(m.layers[0].bindingLimit).toBe('inputAxons');
    expect(m.coreUsage[1].utilisation.inputAxons).toBe(1);
    expect(m.chips).toBe(1);
  });

  it('Loihi: synapse memory binds a dense 4096 -> 64 layer; sparse-only storage needs more cores', () => {
    // Dense group per input axon with n neurons: 64-bit header + ceil(8n / 64) words.
    // 4096 * (64 + 64 * ceil(n / 8)) <= 1048576 bits  =>  n <= 24: cores of 24, 24, 16.
    const profile = buildProfile({
      timeSteps: 1,
      layers: [linearLayer({ name: 'fc', inFeatures: 4096, outFeatures: 64 })],
    });
    const m = mapToChip(profile, 'loihi');
    expect(m.coreUsage.map((c) => c.neurons)).toEqual([24, 24, 16]);
    expect(m.coreUsage.map((c) => c.closedBy)).toEqual(['synapseMemory', 'synapseMemory', null]);
    expect(m.coreUsage[0].synapseBits).toBe(4096 * (64 + 3 * 64));
    expect(m.coreUsage[0].utilisation.synapseMemory).toBe(1);
    expect(m.coreUsage[0].inputAxons).toBe(4096);
    expect(m.bindingLimit).toBe('synapseMemory');
    // Sparse only: 64 + 64 * ceil(18n / 64) <= 256  =>  n <= 10: six cores of 10 and one of 4.
    const sparse = mapToChip(profile, 'loihi', { encodings: ['sparse'] });
    expect(sparse.coreUsage.map((c) => c.neurons)).toEqual([10, 10, 10, 10, 10, 10, 4]);
    // 1-bit weights, dense: 64 + 64 * ceil(n / 64) <= 256 -> all 64 neurons in one core.
    expect(mapToChip(profile, 'loihi', { weightBits: 1 }).cores).toBe(1);
    expect(() => mapToChip(profile, 'loihi', { weightBits: 9 })).toThrow(/weightBits 9 is outside 0..8/);
  });

  it('Loihi: neuron count binds a wide layer', () => {
    const profile = buildProfile({
      timeSteps: 1,
      layers: [linearLayer({ name: 'fc', inFeatures: 10, outFeatures: 3000 })],
    });
    const m = mapToChip(profile, 'loihi');
    expect(m.coreUsage.map((c) => c.neurons)).toEqual([1024, 1024, 952]);
    expect(m.layers[0].bindingLimit).toBe('neurons');
    expect(m.chips).toBe(1);
  });

  it('conv layer: input axons per core follow the receptive fields, borders included', () => {
    // 4x4x1 -> 4x4x2, 3x3 same padding, 8 neurons per core = one output row per core.
    // Output row 0 reads input rows 0-1 (8 axons), rows 1 and 2 read three rows (12), row 3 two rows (8).
    const profile = buildProfile({
      timeSteps: 1,
      layers: [
        conv2dLayer({
          name: 'conv',
          inChannels: 1,
          outChannels: 2,
          inputSize: [4, 4],
          kernel: 3,
          padding: 'same',
        }),
      ],
    });
    const m = mapToChip(profile, customChip({ maxNeurons: 8 }));
    expect(m.coreUsage.map((c) => c.inputAxons)).toEqual([8, 12, 12, 8]);
    // Synapses = valid taps: columns give 2, 3, 3, 2 (sum 10); rows 2 (row 0), 3, 3, 2; times 2 channels.
    expect(m.coreUsage.map((c) => c.synapses)).toEqual([40, 60, 60, 40]);
    expect(m.layers[0].bindingLimit).toBe('neurons');
  });

  it('output axons: a neuron needs one routing entry per destination core (mapped last layer first)', () => {
    // layer 1: 4 neurons, 2 per core, each core reads all 4 inputs -> every layer-0 neuron feeds 2 cores.
    // layer 0: 2 output axons per neuron, at most 3 per core -> one neuron per core.
    const profile = buildProfile({
      timeSteps: 1,
      layers: [
        linearLayer({ name: 'fc0', inFeatures: 2, outFeatures: 4 }),
        linearLayer({ name: 'fc1', inFeatures: 4, outFeatures: 4 }),
      ],
    });
    const m = mapToChip(profile, customChip({ maxNeurons: 2, maxOutputAxons: 3 }));
    expect(m.layers.map((l) => l.cores)).toEqual([4, 2]);
    expect(m.layers[0].bindingLimit).toBe('outputAxons');
    expect(m.layers[1].bindingLimit).toBe('neurons');
    expect(m.coreUsage.filter((c) => c.layer === 0).map((c) => c.outputAxons)).toEqual([2, 2, 2, 2]);
    expect(m.coreUsage.filter((c) => c.layer === 1).map((c) => c.outputAxons)).toEqual([2, 2]);
    expect(m.cores).toBe(6);
    expect(m.chips).toBe(2); // 4 cores per chip
  });

  it('TrueNorth: a neuron feeding two cores is copied', () => {
    const profile = buildProfile({
      timeSteps: 1,
      layers: [
        linearLayer({ name: 'fc0', inFeatures: 4, outFeatures: 2 }),
        linearLayer({ name: 'fc1', inFeatures: 2, outFeatures: 300 }),
      ],
    });
    const m = mapToChip(profile, 'truenorth');
    // fc1: 256 + 44 neurons; both cores read both inputs, so each fc0 neuron is needed on 2 cores.
    expect(m.coreUsage.filter((c) => c.layer === 1).map((c) => c.neurons)).toEqual([256, 44]);
    const fc0 = m.coreUsage.filter((c) => c.layer === 0);
    expect(fc0.map((c) => [c.neurons, c.outputAxons, c.synapses])).toEqual([[4, 4, 16]]);
    expect(m.cores).toBe(3);
  });

  it('pooling between layers: a pooled position consumed by a core counts for every neuron of its window', () => {
    // conv 4x4x1 -> 4x4x1 (1x1 kernel), then a 2x2 pool to 2x2x1, then a linear 4 -> 2 on two cores (1 neuron each)
    const profile = buildProfile({
      timeSteps: 1,
      layers: [
        conv2dLayer({ name: 'conv', inChannels: 1, outChannels: 1, inputSize: [4, 4], kernel: 1 }),
        linearLayer({
          name: 'fc',
          inFeatures: 4,
          outFeatures: 2,
          inputShape: [2, 2, 1],
          // out0 reads pooled position 0 only; out1 reads all four
          weights: [1, 1, 0, 1, 0, 1, 0, 1],
        }),
      ],
    });
    const m = mapToChip(profile, customChip({ maxNeurons: 1 }));
    const conv = m.coreUsage.filter((c) => c.layer === 0);
    // conv neurons in the top-left window feed both fc cores, the others one.
    const dest = conv.map((c) => c.outputAxons);
    expect(dest).toEqual([2, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('routes a neuron needed on more cores than one core can reach through relay cores', () => {
    // fc1: 8 neurons, 2 per core -> 4 cores, all reading fc0's single neuron; one core routes at most 3.
    // Relay cores reach 3 and 1 destinations; the neuron itself then needs 2 output axons.
    const profile = buildProfile({
      timeSteps: 1,
      layers: [
        linearLayer({ name: 'fc0', inFeatures: 2, outFeatures: 1 }),
        linearLayer({ name: 'fc1', inFeatures: 1, outFeatures: 8 }),
      ],
    });
    const m = mapToChip(profile, customChip({ maxNeurons: 2, maxOutputAxons: 3 }));
    expect(m.layers[1].cores).toBe(4);
    expect(m.layers[0]).toMatchObject({ cores: 3, relayedNeurons: 1, relayCores: 2 });
    const fc0 = m.coreUsage.filter((c) => c.layer === 0);
    expect(fc0.map((c) => [c.neurons, c.inputAxons, c.outputAxons])).toEqual([
      [1, 2, 2],
      [1, 1, 3],
      [1, 1, 1],
    ]);
  });

  it('splits a neuron whose fan-in exceeds one core into partial sums', () => {
    // fan-in 10, 4 input axons per core: partial sums over 4 + 4 + 2 inputs, then a root with 3 inputs.
    const profile = buildProfile({
      timeSteps: 1,
      layers: [linearLayer({ name: 'fc', inFeatures: 10, outFeatures: 1 })],
    });
    const m = mapToChip(profile, customChip({ maxInputAxons: 4 }));
    expect(m.layers[0].splitNeurons).toBe(1);
    expect(m.coreUsage.map((c) => [c.neurons, c.inputAxons, c.closedBy])).toEqual([
      [1, 4, 'inputAxons'],
      [1, 4, 'inputAxons'],
      [1, 2, 'inputAxons'],
      [1, 3, null],
    ]);
  });

  it('channel-masked neurons take no core, and pruned inputs take no axon', () => {
    const profile = buildProfile({
      timeSteps: 1,
      layers: [
        conv2dLayer({
          name: 'conv',
          inChannels: 2,
          outChannels: 4,
          inputSize: [2, 2],
          kernel: 1,
          inChannelMask: [1, 0],
          outChannelMask: [1, 0, 0, 1],
        }),
      ],
    });
    const m = mapToChip(profile, customChip({ maxNeurons: 100 }));
    expect(m.coreUsage.map((c) => [c.neurons, c.inputAxons, c.synapses])).toEqual([[8, 4, 8]]);
  });
});
