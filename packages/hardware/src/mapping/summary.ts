import type { Chip } from '../chip.js';
import type { MappedLayer } from './map-layer.js';
import { bindingLimitOf, type CoreUsage, LIMITS, type Limit, type MappingReport } from './types.js';

/** The network's totals from its mapped layers: cores, chips and what bound them, mean utilisation. */
export function summarizeMapping(
  chip: Chip,
  weightBits: number | null,
  mapped: MappedLayer[],
): MappingReport {
  const layers = mapped.map((m) => m.report);
  const coreUsage = mapped.flatMap((m) => m.cores);
  const cores = coreUsage.length;
  const neurons = layers.reduce((s, l) => s + l.neurons, 0);
  const synapses = layers.reduce((s, l) => s + l.synapses, 0);
  const byCores = Math.ceil(cores / chip.coresPerChip);
  const byNeurons = chip.perChip.maxNeurons ? Math.ceil(neurons / chip.perChip.maxNeurons) : 0;
  const bySynapses = chip.perChip.maxSynapses ? Math.ceil(synapses / chip.perChip.maxSynapses) : 0;
  const chips = Math.max(byCores, byNeurons, bySynapses);
  const chipsBoundBy = chips === byCores ? 'cores' : chips === byNeurons ? 'neurons' : 'synapses';
  const total: Record<Limit, number> = { neurons: 0, inputAxons: 0, outputAxons: 0, synapseMemory: 0 };
  for (const l of layers) for (const k of LIMITS) total[k] += l.closedBy[k];
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
    chip: chip.name,
    weightBits,
    cores,
    chips,
    chipsBoundBy,
    bindingLimit: bindingLimitOf(total),
    layers,
    coreUsage,
    meanUtilisation: {
      neurons: mean((c) => c.utilisation.neurons) ?? 0,
      inputAxons: mean((c) => c.utilisation.inputAxons),
      outputAxons: mean((c) => c.utilisation.outputAxons),
      synapseMemory: mean((c) => c.utilisation.synapseMemory),
    },
  };
}
