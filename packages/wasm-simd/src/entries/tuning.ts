/**
 * `@synaptogen/wasm-simd/tuning`: the measured density thresholds and predicates that pick a kernel's path
 * (sparse or dense, Winograd or direct), and the probe of this machine's SIMD peak they were measured against.
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
