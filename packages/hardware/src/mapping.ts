/**
 * Core mapping: packs each layer's neurons, with their incoming synapses, onto neuromorphic cores.
 *
 * Model (assumptions, also in the README):
 * - Layers do not share cores. Within a layer, neurons are placed greedily in output order (HWC for conv,
 *   so neighbours that share inputs land on the same core); a core is closed when the next neuron would
 *   break a limit, and that limit is recorded as the one that bound.
 * - Input axons of a core = distinct presynaptic sources of its neurons (masked and zero weights need none).
 * - Output axons of a core = Σ over its neurons of the number of next-layer cores that consume the neuron's
 *   spikes; so layers are mapped last to first. Between layers, a smaller next input with the same channels
 *   is treated as pooling of binary spikes (the window's neurons target the same axon); equal sizes map
 *   one to one (flatten keeps HWC order). The last layer's neurons each have one destination (the host).
 * - A chip with `maxFanOutPerNeuron` (TrueNorth: 1) copies a neuron per extra destination group; copies
 *   take neuron slots and duplicate the synapses.
 * - Synapse memory: every input axon's synapses inside a core form a group with a header, rounded up to
 *   whole words; dense groups store weight+delay bits for every neuron between the group's first and last
 *   target, sparse groups store weight+delay+index bits per synapse; the cheaper allowed encoding is used.
 * - A neuron that cannot fit one empty core on its own (fan-in above the input-axon limit or its synapses
 *   above the memory) is split: its inputs are divided among partial-sum compartments on separate cores,
 *   each sending one graded value to a root compartment. This is exact on chips with graded spikes
 *   (Loihi 2) and an approximation elsewhere; such neurons are counted in `splitNeurons`.
 * - A neuron needed on more cores than one core can route (output axons, or neuron copies on TrueNorth)
 *   sends its spikes to relay cores (one input axon each) that repeat them to every destination
 *   (`relayedNeurons`, `relayCores`).
 */
import { type Chip, chip as chipByName } from './chip.js';
import { type MappedLayer, mapLayer } from './mapping/map-layer.js';
import { summarizeMapping } from './mapping/summary.js';
import { coreCapacity } from './mapping/synapse-storage.js';
import type { MappingOptions, MappingReport } from './mapping/types.js';
import { type NetworkProfile, validateProfile } from './profile.js';

/**
 * Maps a profiled network onto a chip; see the module comment for the model. Layers are mapped last
 * to first: a layer's output axons depend on how the next layer's cores consume its spikes.
 */
export function mapToChip(
  profile: NetworkProfile,
  chipOrName: Chip | string,
  options: MappingOptions = {},
): MappingReport {
  validateProfile(profile);
  const chip = typeof chipOrName === 'string' ? chipByName(chipOrName) : chipOrName;
  const capacity = coreCapacity(chip, options);
  const layers = profile.layers;
  const mapped: MappedLayer[] = new Array(layers.length);
  const ids = { next: 0 };
  for (let li = layers.length - 1; li >= 0; li--) {
    const next = li + 1 < layers.length ? layers[li + 1] : null;
    mapped[li] = mapLayer(
      layers[li],
      li,
      {
        next,
        nextConsumers: next ? mapped[li + 1].consumers : null,
        outputDestinations: options.outputDestinations ?? 1,
      },
      capacity,
      ids,
    );
  }
  return summarizeMapping(chip, capacity.weightBits, mapped);
}
