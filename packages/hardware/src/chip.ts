/**
 * Neuromorphic chip descriptions. Chips are data: the built-in ones are JSON files in `data/chips/`, and a
 * user chip is any object that passes `parseChip` (see the README for the fields).
 */
import loihi from '../data/chips/loihi.json';
import loihi2 from '../data/chips/loihi2.json';
import spinnaker from '../data/chips/spinnaker.json';
import truenorth from '../data/chips/truenorth.json';

export type SynapseEncoding = 'dense' | 'sparse';

export interface SynapseMemory {
  /** Synapse memory per core in bits. */
  bits: number;
  /** Storage word: every synapse group is rounded up to whole words. */
  wordBits: number;
  /** Header bits per synapse group (one input axon's synapses inside one core). */
  groupHeaderBits: number;
  /** Default weight precision. */
  weightBits: number;
  maxWeightBits: number;
  /** Bits stored per synapse besides the weight (delay, tag). */
  delayBits: number;
  /** Target index bits per synapse in the sparse encoding. */
  indexBits: number;
  /** Encodings the core supports; the mapper picks the cheaper one per synapse group. */
  encodings: SynapseEncoding[];
}

export interface CoreLimits {
  maxNeurons: number;
  /** Distinct presynaptic sources per core (null = not limited). */
  maxInputAxons: number | null;
  /** Routing entries per core: one per (neuron, destination core) (null = not limited). */
  maxOutputAxons: number | null;
  /** Destination cores one neuron can reach; beyond it the neuron is copied (TrueNorth: 1). */
  maxFanOutPerNeuron: number | null;
  /** null = synapses never bind (e.g. a full crossbar). */
  synapseMemory: SynapseMemory | null;
}

export interface Chip {
  name: string;
  description?: string;
  sources?: string[];
  notes?: string[];
  coresPerChip: number;
  core: CoreLimits;
  perChip: { maxNeurons?: number; maxSynapses?: number };
}

export class ChipError extends Error {
  override name = 'ChipError';
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(o: Obj, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k))
      throw new ChipError(`${where}: unknown field '${k}' (expected ${allowed.join(', ')})`);
  }
}

function int(v: unknown, where: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new ChipError(`${where} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function limit(v: unknown, where: string): number | null {
  return v === null || v === undefined ? null : int(v, where, 1);
}

function strings(v: unknown, where: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))
    throw new ChipError(`${where} must be an array of strings`);
  return v;
}

/** Validates a chip description from JSON; `source` (a file name, say) is named in errors. */
export function parseChip(json: unknown, source = 'chip'): Chip {
  if (!isObj(json)) throw new ChipError(`${source}: expected a JSON object with name, coresPerChip and core`);
  if (typeof json.name !== 'string' || !json.name)
    throw new ChipError(`${source}: name must be a non-empty string`);
  const at = `${source} (${json.name})`;
  checkKeys(json, ['name', 'description', 'sources', 'notes', 'coresPerChip', 'core', 'perChip'], at);
  if (!isObj(json.core)) throw new ChipError(`${at}: core must be an object`);
  const c = json.core;
  checkKeys(
    c,
    ['maxNeurons', 'maxInputAxons', 'maxOutputAxons', 'maxFanOutPerNeuron', 'synapseMemory'],
    `${at}: core`,
  );
  let synapseMemory: SynapseMemory | null = null;
  if (c.synapseMemory !== null && c.synapseMemory !== undefined) {
    if (!isObj(c.synapseMemory)) throw new ChipError(`${at}: core.synapseMemory must be an object or null`);
    const m = c.synapseMemory;
    const w = `${at}: core.synapseMemory`;
    checkKeys(
      m,
      [
        'bits',
        'wordBits',
        'groupHeaderBits',
        'weightBits',
        'maxWeightBits',
        'delayBits',
        'indexBits',
        'encodings',
      ],
      w,
    );
    const encodings = m.encodings;
    if (
      !Array.isArray(encodings) ||
      encodings.length === 0 ||
      !encodings.every((e) => e === 'dense' || e === 'sparse')
    ) {
      throw new ChipError(`${w}.encodings must be a non-empty array of 'dense' and/or 'sparse'`);
    }
    synapseMemory = {
      bits: int(m.bits, `${w}.bits`, 1),
      wordBits: int(m.wordBits, `${w}.wordBits`, 1),
      groupHeaderBits: int(m.groupHeaderBits ?? 0, `${w}.groupHeaderBits`, 0),
      weightBits: int(m.weightBits, `${w}.weightBits`, 0),
      maxWeightBits: int(m.maxWeightBits ?? m.weightBits, `${w}.maxWeightBits`, 0),
      delayBits: int(m.delayBits ?? 0, `${w}.delayBits`, 0),
      indexBits: int(m.indexBits ?? 0, `${w}.indexBits`, 0),
      encodings: encodings as SynapseEncoding[],
    };
    if (synapseMemory.weightBits > synapseMemory.maxWeightBits) {
      throw new ChipError(
        `${w}.weightBits ${synapseMemory.weightBits} exceeds maxWeightBits ${synapseMemory.maxWeightBits}`,
      );
    }
  }
  const perChip = json.perChip ?? {};
  if (!isObj(perChip)) throw new ChipError(`${at}: perChip must be an object`);
  checkKeys(perChip, ['maxNeurons', 'maxSynapses'], `${at}: perChip`);
  return {
    name: json.name,
    description: typeof json.description === 'string' ? json.description : undefined,
    sources: strings(json.sources, `${at}: sources`),
    notes: strings(json.notes, `${at}: notes`),
    coresPerChip: int(json.coresPerChip, `${at}: coresPerChip`, 1),
    core: {
      maxNeurons: int(c.maxNeurons, `${at}: core.maxNeurons`, 1),
      maxInputAxons: limit(c.maxInputAxons, `${at}: core.maxInputAxons`),
      maxOutputAxons: limit(c.maxOutputAxons, `${at}: core.maxOutputAxons`),
      maxFanOutPerNeuron: limit(c.maxFanOutPerNeuron, `${at}: core.maxFanOutPerNeuron`),
      synapseMemory,
    },
    perChip: {
      maxNeurons:
        perChip.maxNeurons === undefined
          ? undefined
          : int(perChip.maxNeurons, `${at}: perChip.maxNeurons`, 1),
      maxSynapses:
        perChip.maxSynapses === undefined
          ? undefined
          : int(perChip.maxSynapses, `${at}: perChip.maxSynapses`, 1),
    },
  };
}

const builtins = new Map<string, Chip>(
  [loihi, loihi2, truenorth, spinnaker].map((j) => {
    const chip = parseChip(j, `built-in chip ${j.name}`);
    return [chip.name, chip];
  }),
);

export function chipNames(): string[] {
  return [...builtins.keys()];
}

/** A built-in chip by name (`loihi`, `loihi2`, `truenorth`, `spinnaker`), or a chip object (validated). */
export function chip(nameOrChip: string | Chip): Chip {
  if (typeof nameOrChip !== 'string') return parseChip(nameOrChip);
  const found = builtins.get(nameOrChip.toLowerCase());
  if (!found) {
    throw new ChipError(
      `unknown chip '${nameOrChip}' (built-in: ${chipNames().join(', ')}; or load a JSON chip file)`,
    );
  }
  return found;
}
