/**
 * `@synaptogen/hardware/mapping`: chip descriptions, mapping a profile onto a chip's cores, fitting it to a
 * core budget, and the connectivity (fan-in, fan-out, effective weights) the mapping counts.
 *
 * @module mapping
 */
export {
  type CoreBudgetOptions,
  type CoreBudgetResult,
  coreBudget,
  fitToCoreBudget,
} from '../budget.js';
export {
  type Chip,
  ChipError,
  type CoreLimits,
  chip,
  chipNames,
  parseChip,
  type SynapseEncoding,
  type SynapseMemory,
} from '../chip.js';
export {
  activeOutputs,
  effectiveMask,
  effectiveWeightCount,
  fanInOf,
  fanOut,
  maxFanIn,
} from '../connectivity.js';
export {
  type CoreUsage,
  type LayerMapping,
  type Limit,
  MappingError,
  type MappingOptions,
  type MappingReport,
} from '../mapping/types.js';
export { mapToChip } from '../mapping.js';
