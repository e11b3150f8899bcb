/**
 * `@synaptogen/wasm-simd/tuning`: the measured density thresholds and predicates that pick a kernel's path
 * (sparse or dense, Winograd or direct), the probe of this machine's SIMD peak they were measured against, and
 * the bounds of the adaptive spin with which threads wait for each other.
 *
 * @module tuning
 */
export { winogradApplies, winogradUsed } from '../conv.js';
export {
  SPARSE_MATMUL_DENSITY_MAX,
  SPARSE_WEIGHT_DENSITY_MAX,
  sparseWeightCalls,
  sparseWeightWins,
} from '../matmul.js';
export { measureSimdPeak, type SimdPeak } from '../peak.js';
export {
  SPIKE_DENSITY_MAX,
  SPIKE_FILTER_CHANNEL_DENSITY_MAX,
  SPIKE_FILTER_WINOGRAD_DENSITY_MAX,
  SPIKE_FORWARD_DENSITY_MAX,
  SPIKE_FORWARD_WINOGRAD_DENSITY_MAX,
  spikeFilterDensityMax,
  spikeForwardDensityMax,
} from '../spike-conv.js';
export {
  BLOCKED_SHORT_MS,
  DEFAULT_SPIN_LIMITS,
  SPIN_CHECKS_MAX,
  SPIN_CHECKS_MIN,
  type SpinLimits,
} from '../spin-budget.js';
export { getSpinLimits, setSpinLimits } from '../worker-pool.js';
