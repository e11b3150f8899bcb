import type { CoreCapacity } from './synapse-storage.js';
import { type CoreUsage, MappingError } from './types.js';

/** Relay cores (one input axon each) repeat a neuron's spikes to more cores than one core can route. */
export class RelayCores {
  readonly cores: CoreUsage[] = [];
  /** Neurons that send through relays. */
  neurons = 0;
  private readonly capacity: number;

  constructor(
    private readonly layer: number,
    private readonly cap: CoreCapacity,
  ) {
    const lim = cap.chip.core;
    this.capacity = Math.min(
      lim.maxNeurons * (lim.maxFanOutPerNeuron ?? Number.POSITIVE_INFINITY),
      cap.maxOutputAxons,
    );
  }

  /** Adds the relay cores for one neuron reaching `dest` cores; returns how many relay cores it now feeds. */
  add(dest: number, where: string, neuron: number): number {
    const relays = Math.ceil(dest / this.capacity);
    if (relays > this.capacity) {
      throw new MappingError(
        `${where}: neuron ${neuron} must reach ${dest} cores; a one-level relay stage on ${this.cap.chip.name} reaches at most ${this.capacity * this.capacity}`,
      );
    }
    const lim = this.cap.chip.core;
    const mem = lim.synapseMemory;
    for (let left = dest; left > 0; left -= this.capacity) {
      const out = Math.min(left, this.capacity);
      const neurons = lim.maxFanOutPerNeuron ? Math.ceil(out / lim.maxFanOutPerNeuron) : 1;
      const bits = this.cap.groupCost(neurons, neurons);
      this.cores.push({
        layer: this.layer,
        neurons,
        inputAxons: 1,
        outputAxons: out,
        synapses: neurons,
        synapseBits: bits,
        utilisation: {
          neurons: neurons / lim.maxNeurons,
          inputAxons: lim.maxInputAxons ? 1 / lim.maxInputAxons : null,
          outputAxons: lim.maxOutputAxons ? out / lim.maxOutputAxons : null,
          synapseMemory: mem ? bits / mem.bits : null,
        },
        closedBy: null,
      });
    }
    this.neurons++;
    return relays;
  }
}
