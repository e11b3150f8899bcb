/**
 * Energy per sample from operation counts. Compute-only presets charge MACs and ACs; memory-aware presets
 * also charge SRAM accesses: one weight read per synaptic operation, a membrane read and write per
 * synaptic operation (accumulating into the target) and per membrane update, and one spike-buffer write
 * and read per input event.
 */
import builtin from '../data/energy-presets.json';
import type { OpsReport } from './ops.js';

export interface MemoryEnergy {
  weightReadPJ: number;
  membraneReadPJ: number;
  membraneWritePJ: number;
  spikeReadPJ: number;
  spikeWritePJ: number;
}

export interface EnergyPreset {
  name: string;
  description?: string;
  source?: string;
  /** Energy of one multiply-accumulate (analog inputs; and the dense ANN reference). */
  macPJ: number;
  /** Energy of one accumulate (a binary spike through one weight). */
  acPJ: number;
  /** Energy of one neuron's state update per time step. Default 0. */
  membraneUpdatePJ?: number;
  memory?: MemoryEnergy;
}

export class EnergyPresetError extends Error {
  override name = 'EnergyPresetError';
}

function nonNegative(v: unknown, where: string, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new EnergyPresetError(
      `${where}: ${field} must be a non-negative number of picojoules, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Validates a preset from JSON (a user file or object); `source` names it in errors. */
export function parseEnergyPreset(json: unknown, source = 'energy preset'): EnergyPreset {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new EnergyPresetError(`${source}: expected an object with name, macPJ and acPJ`);
  }
  const o = json as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name.length === 0) {
    throw new EnergyPresetError(`${source}: name must be a non-empty string`);
  }
  const where = `${source} (${o.name})`;
  const known = new Set(['name', 'description', 'source', 'macPJ', 'acPJ', 'membraneUpdatePJ', 'memory']);
  for (const k of Object.keys(o)) {
    if (!known.has(k))
      throw new EnergyPresetError(`${where}: unknown field '${k}' (expected ${[...known].join(', ')})`);
  }
  const preset: EnergyPreset = {
    name: o.name,
    description: typeof o.description === 'string' ? o.description : undefined,
    source: typeof o.source === 'string' ? o.source : undefined,
    macPJ: nonNegative(o.macPJ, where, 'macPJ'),
    acPJ: nonNegative(o.acPJ, where, 'acPJ'),
  };
  if (o.membraneUpdatePJ !== undefined)
    preset.membraneUpdatePJ = nonNegative(o.membraneUpdatePJ, where, 'membraneUpdatePJ');
  if (o.memory !== undefined) {
    if (typeof o.memory !== 'object' || o.memory === null)
      throw new EnergyPresetError(`${where}: memory must be an object`);
    const m = o.memory as Record<string, unknown>;
    const fields = [
      'weightReadPJ',
      'membraneReadPJ',
      'membraneWritePJ',
      'spikeReadPJ',
      'spikeWritePJ',
    ] as const;
    for (const k of Object.keys(m)) {
      if (!(fields as readonly string[]).includes(k)) {
        throw new EnergyPresetError(`${where}: unknown field 'memory.${k}' (expected ${fields.join(', ')})`);
      }
    }
    preset.memory = Object.fromEntries(
      fields.map((f) => [f, nonNegative(m[f], where, `memory.${f}`)]),
    ) as unknown as MemoryEnergy;
  }
  return preset;
}

const presets = new Map<string, EnergyPreset>(
  builtin.presets.map((p) => [p.name, parseEnergyPreset(p, `built-in preset ${p.name}`)]),
);

export const DEFAULT_ENERGY_PRESET = '45nm-fp32';

export function energyPresetNames(): string[] {
  return [...presets.keys()];
}

/** A built-in preset by name, or the preset object itself (validated). */
export function energyPreset(nameOrPreset: string | EnergyPreset): EnergyPreset {
  if (typeof nameOrPreset !== 'string') return parseEnergyPreset(nameOrPreset);
  const p = presets.get(nameOrPreset);
  if (!p) {
    throw new EnergyPresetError(
      `unknown energy preset '${nameOrPreset}' (built-in: ${energyPresetNames().join(', ')}; or load a JSON preset)`,
    );
  }
  return p;
}

export interface EnergyEstimate {
  preset: string;
  /** Arithmetic: macPJ · effectiveMACs + acPJ · effectiveACs. */
  computePJ: number;
  /** membraneUpdatePJ · membraneUpdates. */
  neuronPJ: number;
  /** SRAM traffic (0 for compute-only presets). */
  memoryPJ: number;
  /** computePJ + neuronPJ + memoryPJ, per sample. */
  totalPJ: number;
  /** The same network as a dense ANN, one pass, compute only: macPJ · denseMACs. */
  denseANNComputePJ: number;
  perLayer: { name: string; computePJ: number; neuronPJ: number; memoryPJ: number; totalPJ: number }[];
}

/** Energy per sample of a network whose operations were counted with `countOps`. */
export function estimateEnergy(
  ops: OpsReport,
  preset: string | EnergyPreset = DEFAULT_ENERGY_PRESET,
): EnergyEstimate {
  const p = energyPreset(preset);
  const perLayer = ops.layers.map((l) => {
    const computePJ = p.macPJ * l.effectiveMACs + p.acPJ * l.effectiveACs;
    const neuronPJ = (p.membraneUpdatePJ ?? 0) * l.membraneUpdates;
    let memoryPJ = 0;
    if (p.memory) {
      const m = p.memory;
      const synOps = l.effectiveACs + l.effectiveMACs;
      memoryPJ =
        synOps * m.weightReadPJ +
        (synOps + l.membraneUpdates) * (m.membraneReadPJ + m.membraneWritePJ) +
        l.inputEvents * (m.spikeReadPJ + m.spikeWritePJ);
    }
    return { name: l.name, computePJ, neuronPJ, memoryPJ, totalPJ: computePJ + neuronPJ + memoryPJ };
  });
  const sum = (f: (x: (typeof perLayer)[number]) => number) => perLayer.reduce((s, x) => s + f(x), 0);
  return {
    preset: p.name,
    computePJ: sum((x) => x.computePJ),
    neuronPJ: sum((x) => x.neuronPJ),
    memoryPJ: sum((x) => x.memoryPJ),
    totalPJ: sum((x) => x.totalPJ),
    denseANNComputePJ: p.macPJ * ops.total.denseMACs,
    perLayer,
  };
}
