/**
 * `@synaptogen/hardware/energy`: counting synaptic operations and memory traffic, and the energy presets that
 * price them.
 *
 * @module energy
 */
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
} from '../energy.js';
export { countLayerOps, countOps, type LayerOps, type OpsReport, type OpsTotals } from '../ops.js';
