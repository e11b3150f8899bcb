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
import { type Chip, chip as chipByName, type SynapseEncoding } from './chip.js';
import { activeOutputs, fanInOf, maxFanIn } from './connectivity.js';
import {
  inputShape3,
  inputSize,
  type LayerProfile,
  type NetworkProfile,
  outputShape3,
  ProfileError,
  validateProfile,
} from './profile.js';

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

const LIMITS: Limit[] = ['neurons', 'inputAxons', 'synapseMemory', 'outputAxons'];

/** Maps output index of `layer` to the input index of `next` (identity/flatten, or integer pooling). */
function positionMap(layer: LayerProfile, next: LayerProfile, where: string): (o: number) => number {
  const [oh, ow, oc] = outputShape3(layer);
  const [nh, nw, nc] = inputShape3(next);
  if (oh * ow * oc === nh * nw * nc) return (o) => o;
  if (oc === nc && oh % nh === 0 && ow % nw === 0) {
    const fy = oh / nh;
    const fx = ow / nw;
    return (o) => {
      const c = o % oc;
      const p = (o - c) / oc;
      const x = p % ow;
      const y = (p - x) / ow;
      return (Math.floor(y / fy) * nw + Math.floor(x / fx)) * nc + c;
    };
  }
  throw new ProfileError(
    `${where}: output [${oh}, ${ow}, ${oc}] does not lead to the next layer's input [${nh}, ${nw}, ${nc}] (expected the same size, or the same channels pooled by an integer factor)`,
  );
}

/** Per-axon state of the core being filled; grows when partial-sum compartments add virtual axons. */
class AxonTable {
  stamp = new Int32Array(0);
  count = new Int32Array(0);
  first = new Int32Array(0);
  last = new Int32Array(0);
  cost = new Float64Array(0);
  ensure(n: number): void {
    if (n <= this.stamp.length) return;
    const size = Math.max(n, this.stamp.length * 2);
    const grow = <T extends Int32Array | Float64Array>(a: T, fill: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.fill(fill as never);
      b.set(a as never);
      return b;
    };
    this.stamp = grow(this.stamp, -1);
    this.count = grow(this.count, 0);
    this.first = grow(this.first, 0);
    this.last = grow(this.last, 0);
    this.cost = grow(this.cost, 0);
  }
}

interface CoreState {
  id: number;
  slots: number;
  axons: number;
  outAxons: number;
  synapses: number;
  bits: number;
  inputs: number[];
}

function makeGroupCost(
  mem: Chip['core']['synapseMemory'],
  weightBits: number | null,
  encodings: SynapseEncoding[],
): (k: number, span: number) => number {
  if (!mem || weightBits === null) return () => 0;
  const { wordBits: word, groupHeaderBits: header } = mem;
  const denseBits = weightBits + mem.delayBits;
  const sparseBits = denseBits + mem.indexBits;
  const dense = (span: number) => header + Math.ceil((span * denseBits) / word) * word;
  const sparse = (k: number) => header + Math.ceil((k * sparseBits) / word) * word;
  const hasDense = encodings.includes('dense');
  const hasSparse = encodings.includes('sparse');
  if (hasDense && hasSparse) {
    return (k, span) => {
      const d = dense(span);
      const sp = sparse(k);
      return Math.min(d, sp);
    };
  }
  return hasDense ? (_k, span) => dense(span) : (k) => sparse(k);
}

/** Maps a profiled network onto a chip; see the module comment for the model. */
export function mapToChip(
  profile: NetworkProfile,
  chipOrName: Chip | string,
  options: MappingOptions = {},
): MappingReport {
  validateProfile(profile);
  const target = typeof chipOrName === 'string' ? chipByName(chipOrName) : chipOrName;
  const lim = target.core;
  const mem = lim.synapseMemory;
  const weightBits = mem ? (options.weightBits ?? mem.weightBits) : null;
  if (
    mem &&
    weightBits !== null &&
    (!Number.isInteger(weightBits) || weightBits < 0 || weightBits > mem.maxWeightBits)
  ) {
    throw new MappingError(
      `weightBits ${options.weightBits} is outside 0..${mem.maxWeightBits} for chip ${target.name}`,
    );
  }
  const encodings = options.encodings ?? mem?.encodings ?? [];
  if (mem) {
    for (const e of encodings) {
      if (!mem.encodings.includes(e)) {
        throw new MappingError(
          `encoding '${e}' is not supported by chip ${target.name} (supports ${mem.encodings.join(', ')})`,
        );
      }
    }
    if (encodings.length === 0) throw new MappingError('encodings must name at least one synapse encoding');
  }
  // Bits of one synapse group: header + entries rounded up to whole words; the cheaper allowed encoding.
  const groupCost = makeGroupCost(mem, weightBits, encodings);
  const maxIn = lim.maxInputAxons ?? Number.POSITIVE_INFINITY;
  const maxOut = lim.maxOutputAxons ?? Number.POSITIVE_INFINITY;
  const memBits = mem ? mem.bits : Number.POSITIVE_INFINITY;

  const layers = profile.layers;
  const layerReports: LayerMapping[] = new Array(layers.length);
  const coresByLayer: CoreUsage[][] = new Array(layers.length);
  let nextConsumers: Int32Array | null = null;
  let coreId = 0;

  for (let li = layers.length - 1; li >= 0; li--) {
    const layer = layers[li];
    const where = `layer ${li} (${layer.name})`;
    const nIn = inputSize(layer);
    const consumers = new Int32Array(nIn);
    const toNext = li + 1 < layers.length ? positionMap(layer, layers[li + 1], where) : null;
    const dests = nextConsumers;
    const destOf = (o: number): number =>
      toNext && dests ? dests[toNext(o)] : (options.outputDestinations ?? 1);

    const table = new AxonTable();
    table.ensure(nIn);
    let virtualNext = nIn;
    const cores: CoreUsage[] = [];
    const closedBy: Record<Limit, number> = { neurons: 0, inputAxons: 0, outputAxons: 0, synapseMemory: 0 };
    let splitNeurons = 0;
    let core: CoreState = { id: coreId++, slots: 0, axons: 0, outAxons: 0, synapses: 0, bits: 0, inputs: [] };

    const close = (reason: Limit | null) => {
      for (const a of core.inputs) if (a < nIn) consumers[a] += 1;
      cores.push({
        layer: li,
        neurons: core.slots,
        inputAxons: core.axons,
        outputAxons: core.outAxons,
        synapses: core.synapses,
        synapseBits: core.bits,
        utilisation: {
          neurons: core.slots / lim.maxNeurons,
          inputAxons: lim.maxInputAxons ? core.axons / lim.maxInputAxons : null,
          outputAxons: lim.maxOutputAxons ? core.outAxons / lim.maxOutputAxons : null,
          synapseMemory: mem ? core.bits / mem.bits : null,
        },
        closedBy: reason,
      });
      if (reason) closedBy[reason] += 1;
      core = { id: coreId++, slots: 0, axons: 0, outAxons: 0, synapses: 0, bits: 0, inputs: [] };
    };

    // Previous group cost and last target of each input, to undo a unit that does not fit.
    const undoCost = new Float64Array(maxFanIn(layer) + 1);
    const undoLast = new Int32Array(maxFanIn(layer) + 1);

    /**
     * Adds the unit to the current core and returns null, or returns the limit it breaks and leaves the core
     * as it was. Single pass: groups are updated as inputs are visited and rolled back on failure (once per core).
     */
    const tryAdd = (inputs: Int32Array, n: number, copies: number, dest: number): Limit | null => {
      if (core.slots + copies > lim.maxNeurons) return 'neurons';
      if (core.outAxons + dest > maxOut) return 'outputAxons';
      const j = core.slots;
      const id = core.id;
      const { stamp, count, first, last, cost } = table;
      const axonRoom = maxIn - core.axons;
      const bitsRoom = memBits - core.bits;
      const lastJ = j + copies - 1;
      let newAxons = 0;
      let delta = 0;
      let i = 0;
      let broken: Limit | null = null;
      for (; i < n; i++) {
        const a = inputs[i];
        if (stamp[a] !== id) {
          if (++newAxons > axonRoom) {
            broken = 'inputAxons';
            break;
          }
          stamp[a] = id;
          count[a] = copies;
          first[a] = j;
          undoLast[i] = -1; // new in this core
          core.inputs.push(a);
          cost[a] = groupCost(copies, copies);
          delta += cost[a];
        } else {
          undoCost[i] = cost[a];
          undoLast[i] = last[a];
          count[a] += copies;
          const c = groupCost(count[a], lastJ - first[a] + 1);
          delta += c - cost[a];
          cost[a] = c;
        }
        last[a] = lastJ;
      }
      if (broken === null && delta > bitsRoom) broken = 'synapseMemory';
      if (broken !== null) {
        for (let u = 0; u < i; u++) {
          const a = inputs[u];
          if (undoLast[u] === -1) {
            stamp[a] = -1;
          } else {
            count[a] -= copies;
            cost[a] = undoCost[u];
            last[a] = undoLast[u];
          }
        }
        core.inputs.length -= broken === 'inputAxons' ? newAxons - 1 : newAxons;
        return broken;
      }
      core.slots += copies;
      core.axons += newAxons;
      core.bits += delta;
      core.outAxons += dest;
      core.synapses += n * copies;
      return null;
    };

    /** Adds a unit, opening new cores as needed; returns false when it cannot fit even an empty core. */
    const place = (inputs: Int32Array, n: number, copies: number, dest: number): boolean => {
      const reason = tryAdd(inputs, n, copies, dest);
      if (reason === null) return true;
      if (core.slots === 0) return false;
      close(reason);
      return tryAdd(inputs, n, copies, dest) === null;
    };

    // Relay cores (one input axon each) repeat a neuron's spikes to more cores than one core can route.
    const relayCapacity = Math.min(
      lim.maxNeurons * (lim.maxFanOutPerNeuron ?? Number.POSITIVE_INFINITY),
      maxOut,
    );
    let relayedNeurons = 0;
    const addRelayCores = (dest: number) => {
      for (let left = dest; left > 0; left -= relayCapacity) {
        const out = Math.min(left, relayCapacity);
        const neurons = lim.maxFanOutPerNeuron ? Math.ceil(out / lim.maxFanOutPerNeuron) : 1;
        relayCores.push({
          layer: li,
          neurons,
          inputAxons: 1,
          outputAxons: out,
          synapses: neurons,
          synapseBits: groupCost(neurons, neurons),
          utilisation: {
            neurons: neurons / lim.maxNeurons,
            inputAxons: lim.maxInputAxons ? 1 / lim.maxInputAxons : null,
            outputAxons: lim.maxOutputAxons ? out / lim.maxOutputAxons : null,
            synapseMemory: mem ? groupCost(neurons, neurons) / mem.bits : null,
          },
          closedBy: null,
        });
      }
    };
    const relayCores: CoreUsage[] = [];
    const buffer = new Int32Array(maxFanIn(layer));
    // Largest number of single-synapse groups an empty core can hold, for partial-sum chunks.
    const perGroup = groupCost(1, 1);
    const chunkLimit = Math.min(
      maxIn,
      perGroup > 0 ? Math.floor(memBits / perGroup) : Number.POSITIVE_INFINITY,
    );
    const outputs = activeOutputs(layer);
    for (let k = 0; k < outputs.length; k++) {
      const o = outputs[k];
      const n = fanInOf(layer, o, buffer);
      let dest = destOf(o);
      let copies = lim.maxFanOutPerNeuron ? Math.max(1, Math.ceil(dest / lim.maxFanOutPerNeuron)) : 1;
      if (copies > lim.maxNeurons || dest > maxOut) {
        // One core cannot route this neuron: it sends to relay cores that repeat its spikes to every destination.
        const relays = Math.ceil(dest / relayCapacity);
        if (relays > relayCapacity) {
          throw new MappingError(
            `${where}: neuron ${o} must reach ${dest} cores; a one-level relay stage on ${target.name} reaches at most ${relayCapacity * relayCapacity}`,
          );
        }
        addRelayCores(dest);
        relayedNeurons++;
        dest = relays;
        copies = lim.maxFanOutPerNeuron ? Math.max(1, Math.ceil(relays / lim.maxFanOutPerNeuron)) : 1;
      }
      if (place(buffer, n, copies, dest)) continue;
      // Split into partial sums: chunks of the inputs, each on its own compartment, feeding a root.
      if (chunkLimit < 1)
        throw new MappingError(`${where}: one synapse does not fit a ${target.name} core's memory`);
      splitNeurons++;
      const parts = Math.ceil(n / chunkLimit);
      if (parts > maxIn) {
        throw new MappingError(
          `${where}: neuron ${o} has fan-in ${n}; splitting it needs ${parts} partial sums, more than ${maxIn} input axons`,
        );
      }
      const root = new Int32Array(parts);
      table.ensure(virtualNext + parts);
      for (let p = 0; p < parts; p++) {
        const chunk = buffer.subarray(p * chunkLimit, Math.min(n, (p + 1) * chunkLimit));
        if (!place(chunk, chunk.length, 1, 1))
          throw new MappingError(`${where}: a partial sum of neuron ${o} does not fit a core`);
        root[p] = virtualNext++;
      }
      if (!place(root, parts, copies, dest))
        throw new MappingError(`${where}: the root of split neuron ${o} does not fit a core`);
    }
    if (core.slots > 0) close(null); // a layer whose channels are all masked needs no core
    for (const r of relayCores) cores.push(r);

    const sum = (f: (c: CoreUsage) => number) => cores.reduce((s, c) => s + f(c), 0);
    let binding: Limit | null = null;
    for (const l of LIMITS)
      if (closedBy[l] > 0 && (binding === null || closedBy[l] > closedBy[binding])) binding = l;
    layerReports[li] = {
      name: layer.name,
      cores: cores.length,
      neurons: sum((c) => c.neurons),
      synapses: sum((c) => c.synapses),
      synapseBits: sum((c) => c.synapseBits),
      splitNeurons,
      relayedNeurons,
      relayCores: relayCores.length,
      closedBy,
      bindingLimit: binding,
    };
    coresByLayer[li] = cores;
    nextConsumers = consumers;
  }

  const coreUsage = coresByLayer.flat();
  const cores = coreUsage.length;
  const neurons = layerReports.reduce((s, l) => s + l.neurons, 0);
  const synapses = layerReports.reduce((s, l) => s + l.synapses, 0);
  const byCores = Math.ceil(cores / target.coresPerChip);
  const byNeurons = target.perChip.maxNeurons ? Math.ceil(neurons / target.perChip.maxNeurons) : 0;
  const bySynapses = target.perChip.maxSynapses ? Math.ceil(synapses / target.perChip.maxSynapses) : 0;
  const chips = Math.max(byCores, byNeurons, bySynapses);
  const chipsBoundBy = chips === byCores ? 'cores' : chips === byNeurons ? 'neurons' : 'synapses';
  const total: Record<Limit, number> = { neurons: 0, inputAxons: 0, outputAxons: 0, synapseMemory: 0 };
  for (const l of layerReports) for (const k of LIMITS) total[k] += l.closedBy[k];
  let bindingLimit: Limit | null = null;
  for (const l of LIMITS)
    if (total[l] > 0 && (bindingLimit === null || total[l] > total[bindingLimit])) bindingLimit = l;
  const mean = (f: (c: CoreUsage) => number | null): number | null => {
    let s = 0;
    for (const c of coreUsage) {
      const v = f(c);
      if (v === null) return null;
      s += v;
    }
    return s / cores;
  };
  return {
    chip: target.name,
    weightBits,
    cores,
    chips,
    chipsBoundBy,
    bindingLimit,
    layers: layerReports,
    coreUsage,
    meanUtilisation: {
      neurons: mean((c) => c.utilisation.neurons) ?? 0,
      inputAxons: mean((c) => c.utilisation.inputAxons),
      outputAxons: mean((c) => c.utilisation.outputAxons),
      synapseMemory: mean((c) => c.utilisation.synapseMemory),
    },
  };
}
