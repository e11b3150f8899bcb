import { AxonTable } from './axon-table.js';
import type { CoreCapacity } from './synapse-storage.js';
import type { CoreUsage, Limit } from './types.js';

interface CoreState {
  id: number;
  slots: number;
  axons: number;
  outAxons: number;
  synapses: number;
  bits: number;
  inputs: number[];
}

/** Core ids run over the whole network (layers are mapped last to first, each continuing the count). */
export interface CoreIds {
  next: number;
}

/**
 * Fills the cores of one layer greedily: units (a neuron with its incoming synapses and copies) are
 * added to the open core until one breaks a limit, which closes the core (and is recorded). Tracks
 * which inputs each closed core consumes, for the previous layer's output axons.
 */
export class CorePacker {
  readonly cores: CoreUsage[] = [];
  readonly closedBy: Record<Limit, number> = { neurons: 0, inputAxons: 0, outputAxons: 0, synapseMemory: 0 };
  /** Per input of the layer: how many of its cores consume it. */
  readonly consumers: Int32Array;
  readonly table = new AxonTable();
  private core: CoreState;
  // previous group cost and last target of each input, to undo a unit that does not fit
  private readonly undoCost: Float64Array;
  private readonly undoLast: Int32Array;

  constructor(
    private readonly layer: number,
    private readonly inputs: number,
    maxFanIn: number,
    private readonly cap: CoreCapacity,
    private readonly ids: CoreIds,
  ) {
    this.consumers = new Int32Array(inputs);
    this.table.ensure(inputs);
    this.undoCost = new Float64Array(maxFanIn + 1);
    this.undoLast = new Int32Array(maxFanIn + 1);
    this.core = this.emptyCore();
  }

  private emptyCore(): CoreState {
    return { id: this.ids.next++, slots: 0, axons: 0, outAxons: 0, synapses: 0, bits: 0, inputs: [] };
  }

  /** Whether the open core holds anything. */
  get open(): boolean {
    return this.core.slots > 0;
  }

  /** Closes the open core; `reason` is the limit the next unit would have broken (null: the layer's last core). */
  close(reason: Limit | null): void {
    const core = this.core;
    const lim = this.cap.chip.core;
    const mem = lim.synapseMemory;
    for (const a of core.inputs) if (a < this.inputs) this.consumers[a] += 1;
    this.cores.push({
      layer: this.layer,
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
    if (reason) this.closedBy[reason] += 1;
    this.core = this.emptyCore();
  }

  /**
   * Adds the unit to the open core and returns null, or returns the limit it breaks and leaves the core
   * as it was. Single pass: groups are updated as inputs are visited and rolled back on failure (once per core).
   */
  tryAdd(inputs: Int32Array, n: number, copies: number, dest: number): Limit | null {
    const core = this.core;
    const { groupCost, maxInputAxons, maxOutputAxons, memoryBits } = this.cap;
    if (core.slots + copies > this.cap.chip.core.maxNeurons) return 'neurons';
    if (core.outAxons + dest > maxOutputAxons) return 'outputAxons';
    const j = core.slots;
    const id = core.id;
    const { stamp, count, first, last, cost } = this.table;
    const { undoCost, undoLast } = this;
    const axonRoom = maxInputAxons - core.axons;
    const bitsRoom = memoryBits - core.bits;
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
  }

  /** Adds a unit, opening a new core as needed; returns false when it cannot fit even an empty core. */
  place(inputs: Int32Array, n: number, copies: number, dest: number): boolean {
    const reason = this.tryAdd(inputs, n, copies, dest);
    if (reason === null) return true;
    if (this.core.slots === 0) return false;
    this.close(reason);
    return this.tryAdd(inputs, n, copies, dest) === null;
  }
}
