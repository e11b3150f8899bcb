import { describe, expect, it } from 'vitest';
import {
  EnergyPresetError,
  energyPreset,
  energyPresetNames,
  estimateEnergy,
  parseEnergyPreset,
} from './energy.js';
import { buildProfile, linearLayer } from './layout.js';
import { countOps } from './ops.js';

// fc1: analog, 2 effective MACs; fc2: spikes, 3 inputs x 2 outputs, rate 0.5, T = 2 -> 6 ACs, 3 input events.
const ops = countOps(
  buildProfile({
    timeSteps: 2,
    layers: [
      linearLayer({
        name: 'fc1',
        input: 'analog',
        steps: 1,
        inFeatures: 2,
        outFeatures: 3,
        weights: [1, 0, 0, 0, 1, 0],
        activity: { kind: 'rate', rate: 1 },
      }),
      linearLayer({ name: 'fc2', inFeatures: 3, outFeatures: 2, activity: { kind: 'rate', rate: 0.5 } }),
    ],
  }),
);

describe('energy', () => {
  it('has the 45 nm presets from Horowitz 2014', () => {
    expect(energyPresetNames()).toEqual(
      expect.arrayContaining([
        '45nm-fp32',
        '45nm-fp16',
        '45nm-int8',
        '45nm-fp32-sram',
        '45nm-int8-sram',
        'loihi',
      ]),
    );
    expect(energyPreset('45nm-fp32')).toMatchObject({ macPJ: 4.6, acPJ: 0.9 });
    expect(energyPreset('45nm-int8')).toMatchObject({ macPJ: 0.23, acPJ: 0.03 });
  });

  it('compute-only: MAC energy for analog inputs, AC energy for spikes', () => {
    expect(ops.total.effectiveMACs).toBe(2);
    expect(ops.total.effectiveACs).toBe(6);
    const e = estimateEnergy(ops, '45nm-fp32');
    expect(e.computePJ).toBeCloseTo(2 * 4.6 + 6 * 0.9, 12);
    expect(e.memoryPJ).toBe(0);
    expect(e.totalPJ).toBeCloseTo(14.6, 12);
    expect(e.denseANNComputePJ).toBeCloseTo((6 + 6) * 4.6, 12);
    expect(estimateEnergy(ops, '45nm-int8').totalPJ).toBeCloseTo(2 * 0.23 + 6 * 0.03, 12);
  });

  it('memory-aware: weight reads, membrane read/write per synaptic op and update, spike buffer per event', () => {
    const e = estimateEnergy(ops, '45nm-fp32-sram');
    // synaptic ops 8, membrane updates (3 + 2) * 2 = 10, input events 2 + 3 = 5
    expect(ops.total.membraneUpdates).toBe(10);
    expect(ops.total.inputEvents).toBe(5);
    expect(e.memoryPJ).toBeCloseTo(8 * 10 + (8 + 10) * (5 + 5) + 5 * (2.5 + 2.5), 12);
    expect(e.totalPJ).toBeCloseTo(14.6 + e.memoryPJ, 12);
  });

  it('accepts user presets from JSON and rejects bad ones clearly', () => {
    const mine = parseEnergyPreset({ name: 'mine', macPJ: 1, acPJ: 0.5, membraneUpdatePJ: 0.1 }, 'mine.json');
    expect(estimateEnergy(ops, mine).totalPJ).toBeCloseTo(2 + 3 + 1, 12);
    expect(() => parseEnergyPreset({ name: 'x', macPJ: 1 }, 'x.json')).toThrow(
      /x.json \(x\): acPJ must be a non-negative number of picojoules, got undefined/,
    );
    expect(() => parseEnergyPreset({ name: 'x', macPJ: 1, acPJ: 1, mac: 2 }, 'x.json')).toThrow(
      /unknown field 'mac'/,
    );
    expect(() => parseEnergyPreset({ name: 'x', macPJ: 1, acPJ: 1, memory: { weightReadPJ: 1 } })).toThrow(
      /memory.membraneReadPJ/,
    );
    expect(() => energyPreset('7nm')).toThrow(EnergyPresetError);
  });
});
