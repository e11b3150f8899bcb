import { describe, expect, it } from 'vitest';
import { IFNode, LIFNode, ParametricLIFNode } from './node.js';
import { createNeuron, neuronTypes, registerNeuron } from './registry.js';

describe('the neuron registry', () => {
  it('builds the built-ins by name with their options', () => {
    expect(neuronTypes().slice(0, 3)).toEqual(['IF', 'LIF', 'PLIF']);
    expect(createNeuron('IF')).toBeInstanceOf(IFNode);
    expect(createNeuron('LIF', { tau: 3 } as object)).toMatchObject({ tau: 3 });
    const plif = createNeuron('PLIF', { initTau: 4, name: 'registry_plif' } as object);
    expect(plif).toBeInstanceOf(ParametricLIFNode);
    plif.dispose();
  });

  it('adds a neuron once, and refuses bad names, factories and unknown types in one line', () => {
    registerNeuron('SlowLIF', (o) => new LIFNode({ ...o, tau: 10 }));
    expect(createNeuron('SlowLIF')).toMatchObject({ tau: 10, kind: 'LIF' });
    expect(neuronTypes()).toContain('SlowLIF');
    expect(() => registerNeuron('SlowLIF', (o) => new IFNode(o))).toThrow(/'SlowLIF' is already registered/);
    expect(() => registerNeuron('PLIF', (o) => new IFNode(o))).toThrow(/already registered/);
    expect(() => registerNeuron('two words', (o) => new IFNode(o))).toThrow(/name must be a word/);
    expect(() => registerNeuron('X', 'nope' as never)).toThrow(/factory of 'X' must be a function/);
    expect(() => createNeuron('QIF')).toThrow(
      /^unknown neuron type "QIF"; expected one of IF, LIF, PLIF, SlowLIF \(add one with registerNeuron\)$/,
    );
  });
});
