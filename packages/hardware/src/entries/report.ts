/**
 * `@synaptogen/hardware/report`: the cost report of a profile, its summary, comparing two, and the text
 * formatting the CLI prints.
 *
 * @module report
 */
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
} from '../report.js';
