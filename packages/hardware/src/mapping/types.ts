import type { SynapseEncoding } from '../chip.js';

export type Limit = 'neurons' | 'inputAxons' | 'outputAxons' | 'synapseMemory';

export interface MappingOptions {
  /** Weight precision stored per synapse; default the chip's `weightBits`. */
  weightBits?: number;
  /** Restrict the synapse encodings (default: every encoding the chip supports). */
  encodings?: SynapseEncoding[];
  /** Destination cores of each last-layer neuron (default 1: the host or a readout core). */
  outputDestinations?: number;
}

export interface CoreUsage {
  layer: number;
  neurons: number;
  inputAxons: number;
  outputAxons: number;
  synapses: number;
  synapseBits: number;
  /** Fraction of each limit used (null when the chip does not limit it). */
  utilisation: {
    neurons: number;
    inputAxons: number | null;
    outputAxons: number | null;
    synapseMemory: number | null;
  };
  /** The limit the next neuron would have broken; null for a layer's last core. */
  closedBy: Limit | null;
}

export interface LayerMapping {
  name: string;
  cores: number;
  /** Neuron slots used (including copies and partial-sum compartments). */
  neurons: number;
  synapses: number;
  synapseBits: number;
  /** Neurons split into partial sums because they could not fit one core alone. */
  splitNeurons: number;
  /** Neurons whose spikes one core cannot route to all destinations; they go through relay cores. */
  relayedNeurons: number;
  /** Relay cores added for them (included in `cores`). */
  relayCores: number;
  /** How many of this layer's cores each limit closed. */
  closedBy: Record<Limit, number>;
  /** The limit that closed most of this layer's cores (null: the layer fit in one core). */
  bindingLimit: Limit | null;
}

export interface MappingReport {
  chip: string;
  weightBits: number | null;
  cores: number;
  chips: number;
  /** Which per-chip quantity set the chip count. */
  chipsBoundBy: 'cores' | 'neurons' | 'synapses';
  /** The limit that closed most cores over the whole network (null: no core was closed by a limit). */
  bindingLimit: Limit | null;
  layers: LayerMapping[];
  coreUsage: CoreUsage[];
  /** Mean utilisation over all cores. */
  meanUtilisation: CoreUsage['utilisation'];
}

export class MappingError extends Error {
  override name = 'MappingError';
}

/** The limits in the order ties are broken when naming the one that bound. */
export const LIMITS: Limit[] = ['neurons', 'inputAxons', 'synapseMemory', 'outputAxons'];

/** The limit that closed most cores (null: none closed any). */
export function bindingLimitOf(closedBy: Record<Limit, number>): Limit | null {
  let binding: Limit | null = null;
  for (const l of LIMITS)
    if (closedBy[l] > 0 && (binding === null || closedBy[l] > closedBy[binding])) binding = l;
  return binding;
}
