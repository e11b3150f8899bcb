// The root: cost a network profile (synaptic operations, energy, memory, cores), fit it to a chip's cores,
// and build or read the profile. Each topic has the full set on its own subpath: `/profile`, `/mapping`,
// `/energy`, `/report`, and `/node` for files.
export {
  type CoreBudgetOptions,
  type CoreBudgetResult,
  coreBudget,
  fitToCoreBudget,
} from './budget.js';
export { type Chip, chip, chipNames } from './chip.js';
export { type EnergyPreset, energyPreset, energyPresetNames } from './energy.js';
export { buildProfile, conv2dLayer, linearLayer } from './layout.js';
export type { MappingOptions, MappingReport } from './mapping/types.js';
export { mapToChip } from './mapping.js';
export { countOps } from './ops.js';
export type { NetworkProfile } from './profile.js';
export {
  type CostComparison,
  type CostOptions,
  type CostReport,
  type CostSummary,
  compareCosts,
  estimateCost,
  formatComparison,
  formatCostReport,
  summarizeCost,
} from './report.js';
export { parseProfile, stringifyProfile } from './serialize.js';
