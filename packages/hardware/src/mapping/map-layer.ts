import { activeOutputs, fanInOf, maxFanIn } from '../connectivity.js';
import { inputSize, type LayerProfile } from '../profile.js';
import { type CoreIds, CorePacker } from './core-packer.js';
import { positionMap } from './position-map.js';
import { RelayCores } from './relay-cores.js';
import type { CoreCapacity } from './synapse-storage.js';
import { bindingLimitOf, type CoreUsage, type LayerMapping, MappingError } from './types.js';

/** A mapped layer: its report, its cores, and how many of them consume each of its inputs. */
export interface MappedLayer {
  report: LayerMapping;
  cores: CoreUsage[];
  consumers: Int32Array;
}

/** Where a layer's spikes go: the next layer (already mapped, with its consumers) or the host. */
export interface Downstream {
  next: LayerProfile | null;
  /** Per input of the next layer: how many of its cores consume it. */
  nextConsumers: Int32Array | null;
  /** Destination cores of each last-layer neuron. */
  outputDestinations: number;
}

/**
 * Maps one layer: its active neurons in output order, each with as many copies as its destinations
 * need (chips with a fan-out limit), through relay cores when one core cannot route it, and split into
 * partial sums when it cannot fit an empty core on its own.
 */
export function mapLayer(
  layer: LayerProfile,
  li: number,
  down: Downstream,
  cap: CoreCapacity,
  ids: CoreIds,
): MappedLayer {
  const where = `layer ${li} (${layer.name})`;
  const lim = cap.chip.core;
  const nIn = inputSize(layer);
  const toNext = down.next ? positionMap(layer, down.next, where) : null;
  const dests = down.nextConsumers;
  const destOf = (o: number): number => (toNext && dests ? dests[toNext(o)] : down.outputDestinations);
  const packer = new CorePacker(li, nIn, maxFanIn(layer), cap, ids);
  const relays = new RelayCores(li, cap);
  let virtualNext = nIn;
  let splitNeurons = 0;
  const buffer = new Int32Array(maxFanIn(layer));
  // Largest number of single-synapse groups an empty core can hold, for partial-sum chunks.
  const perGroup = cap.groupCost(1, 1);
  const chunkLimit = Math.min(
    cap.maxInputAxons,
    perGroup > 0 ? Math.floor(cap.memoryBits / perGroup) : Number.POSITIVE_INFINITY,
  );
  const copiesFor = (d: number) =>
    lim.maxFanOutPerNeuron ? Math.max(1, Math.ceil(d / lim.maxFanOutPerNeuron)) : 1;
  const outputs = activeOutputs(layer);
  for (let k = 0; k < outputs.length; k++) {
    const o = outputs[k];
    const n = fanInOf(layer, o, buffer);
    let dest = destOf(o);
    let copies = copiesFor(dest);
    if (copies > lim.maxNeurons || dest > cap.maxOutputAxons) {
      // One core cannot route this neuron: it sends to relay cores that repeat its spikes to every destination.
      dest = relays.add(dest, where, o);
      copies = copiesFor(dest);
    }
    if (packer.place(buffer, n, copies, dest)) continue;
    // Split into partial sums: chunks of the inputs, each on its own compartment, feeding a root.
    if (chunkLimit < 1)
      throw new MappingError(`${where}: one synapse does not fit a ${cap.chip.name} core's memory`);
    splitNeurons++;
    const parts = Math.ceil(n / chunkLimit);
    if (parts > cap.maxInputAxons) {
      throw new MappingError(
        `${where}: neuron ${o} has fan-in ${n}; splitting it needs ${parts} partial sums, more than ${cap.maxInputAxons} input axons`,
      );
    }
    const root = new Int32Array(parts);
    packer.table.ensure(virtualNext + parts);
    for (let p = 0; p < parts; p++) {
      const chunk = buffer.subarray(p * chunkLimit, Math.min(n, (p + 1) * chunkLimit));
      if (!packer.place(chunk, chunk.length, 1, 1))
        throw new MappingError(`${where}: a partial sum of neuron ${o} does not fit a core`);
      root[p] = virtualNext++;
    }
    if (!packer.place(root, parts, copies, dest))
      throw new MappingError(`${where}: the root of split neuron ${o} does not fit a core`);
  }
  if (packer.open) packer.close(null); // a layer whose channels are all masked needs no core
  const cores = [...packer.cores, ...relays.cores];
  const sum = (f: (c: CoreUsage) => number) => cores.reduce((s, c) => s + f(c), 0);
  return {
    report: {
      name: layer.name,
      cores: cores.length,
      neurons: sum((c) => c.neurons),
      synapses: sum((c) => c.synapses),
      synapseBits: sum((c) => c.synapseBits),
      splitNeurons,
      relayedNeurons: relays.neurons,
      relayCores: relays.cores.length,
      closedBy: packer.closedBy,
      bindingLimit: bindingLimitOf(packer.closedBy),
    },
    cores,
    consumers: packer.consumers,
  };
}
