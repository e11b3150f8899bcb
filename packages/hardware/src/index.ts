export { type CoreBudgetOptions, type CoreBudgetResult, coreBudget, fitToCoreBudget } from './budget.js';
export {
  type Chip,
  ChipError,
  type CoreLimits,
  chip,
  chipNames,
  parseChip,
  type SynapseEncoding,
  type SynapseMemory,
} from './chip.js';
export {
  activeOutputs,
  effectiveMask,
  effectiveWeightCount,
  fanInOf,
  fanOut,
  maxFanIn,
} from './connectivity.js';
export {
  DEFAULT_ENERGY_PRESET,
  type EnergyEstimate,
  type EnergyPreset,
  EnergyPresetError,
  energyPreset,
  energyPresetNames,
  estimateEnergy,
  type MemoryEnergy,
  parseEnergyPreset,
} from './energy.js';
export {
  ActivityAccumulator,
  activityFromTensor,
  buildProfile,
  type CommonLayerOptions,
  chwToHwc,
  conv2dLayer,
  convOIHWToHWIO,
  linearLayer,
  linearOutInToInOut,
  nonzeroMask,
  type Padding,
} from './layout.js';
export {
  type CoreUsage,
  type LayerMapping,
  type Limit,
  MappingError,
  type MappingOptions,
  type MappingReport,
  mapToChip,
} from './mapping.js';
export { countLayerOps, countOps, type LayerOps, type OpsReport, type OpsTotals } from './ops.js';
export {
  type Conv2dLayerProfile,
  type InputKind,
  inputShape3,
  inputSize,
  type LayerActivity,
  type LayerProfile,
  type LinearLayerProfile,
  type NetworkProfile,
  outputShape3,
  outputSize,
  PROFILE_VERSION,
  ProfileError,
  type Shape3,
  validateProfile,
  type WeightPattern,
  weightCount,
} from './profile.js';
export { mulberry32 } from './random.js';
export {
  type CostComparison,
  type CostOptions,
  type CostReport,
  type CostSummary,
  compareCosts,
  estimateCost,
  type FormatOptions,
  formatComparison,
  formatCostReport,
  formatCount,
  formatEnergy,
  summarizeCost,
} from './report.js';
export {
  type EncodedArray,
  parseProfile,
  profileFromJSON,
  profileToJSON,
  stringifyProfile,
} from './serialize.js';
