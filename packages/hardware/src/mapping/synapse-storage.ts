import type { Chip, SynapseEncoding } from '../chip.js';
import { MappingError, type MappingOptions } from './types.js';

/** What one core of the chip can hold, resolved from the chip and the mapping options. */
export interface CoreCapacity {
  chip: Chip;
  /** Weight precision stored per synapse (null: the chip does not model synapse memory). */
  weightBits: number | null;
  /** Bits of one synapse group of `k` synapses whose targets span `span` neurons (0 without synapse memory). */
  groupCost: (k: number, span: number) => number;
  maxInputAxons: number;
  maxOutputAxons: number;
  memoryBits: number;
}

/** Checks the weight precision and encodings against the chip and prices a synapse group. */
export function coreCapacity(chip: Chip, options: MappingOptions): CoreCapacity {
  const lim = chip.core;
  const mem = lim.synapseMemory;
  const weightBits = mem ? (options.weightBits ?? mem.weightBits) : null;
  if (
    mem &&
    weightBits !== null &&
    (!Number.isInteger(weightBits) || weightBits < 0 || weightBits > mem.maxWeightBits)
  ) {
    throw new MappingError(
      `weightBits ${options.weightBits} is outside 0..${mem.maxWeightBits} for chip ${chip.name}`,
    );
  }
  const encodings = options.encodings ?? mem?.encodings ?? [];
  if (mem) {
    for (const e of encodings) {
      if (!mem.encodings.includes(e)) {
        throw new MappingError(
          `encoding '${e}' is not supported by chip ${chip.name} (supports ${mem.encodings.join(', ')})`,
        );
      }
    }
    if (encodings.length === 0) throw new MappingError('encodings must name at least one synapse encoding');
  }
  return {
    chip,
    weightBits,
    groupCost: groupCostOf(mem, weightBits, encodings),
    maxInputAxons: lim.maxInputAxons ?? Number.POSITIVE_INFINITY,
    maxOutputAxons: lim.maxOutputAxons ?? Number.POSITIVE_INFINITY,
    memoryBits: mem ? mem.bits : Number.POSITIVE_INFINITY,
  };
}

/** Bits of one synapse group: header + entries rounded up to whole words; the cheaper allowed encoding. */
function groupCostOf(
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
  if (hasDense && hasSparse) return (k, span) => Math.min(dense(span), sparse(k));
  return hasDense ? (_k, span) => dense(span) : (k) => sparse(k);
}
