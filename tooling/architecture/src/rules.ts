/**
 * The dependency direction (an arrow means "may import"), as in the root README and DESIGN.md:
 *
 *   apps/* ──► structure ──► nn ──► neurons ──► tfjs-core
 *      │                      ▲
 *      ├──► nir ──────────────┘
 *      ├──► datasets, hardware (no tfjs at all)
 *      └──► wasm-simd ──► tfjs-core, tfjs-backend-wasm
 *
 * Library packages never import wasm-simd; only the apps put the engine together. `contracts` (kernel
 * names, the surrogate table, the neuron charge description) is a leaf with no dependencies that every
 * package may import, so that both sides of a kernel boundary read one declaration.
 */
export interface Rule {
  /** Workspace packages this one may import (by name, without the scope). */
  packages: readonly string[];
  /** Whether it may import TensorFlow.js. */
  tfjs: boolean;
}

/** The leaf every package may import. */
const LEAF = 'contracts';

export const RULES: Record<string, Rule> = {
  contracts: { packages: [], tfjs: false },
  neurons: { packages: [LEAF], tfjs: true },
  nn: { packages: [LEAF, 'neurons'], tfjs: true },
  structure: { packages: [LEAF, 'neurons', 'nn'], tfjs: true },
  nir: { packages: [LEAF, 'neurons', 'nn'], tfjs: true },
  datasets: { packages: [LEAF], tfjs: false },
  hardware: { packages: [LEAF], tfjs: false },
  'wasm-simd': { packages: [LEAF], tfjs: true },
};

/** What tests of a library package may import besides: the readers of the real data files they run on. */
export const TEST_ONLY: readonly string[] = ['datasets'];

/** Private apps may import every library package. */
export const APPS = ['cli', 'demo', 'bench', 'examples'] as const;
