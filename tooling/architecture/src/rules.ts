/**
 * The dependency direction (an arrow means "may import"), as in the root README and DESIGN.md:
 *
 *   apps/* ──► structure ──► nn ──► neurons ──► tfjs-core
 *      │                      ▲
 *      ├──► nir ──────────────┘
 *      ├──► datasets, hardware (no tfjs at all)
 *      └──► wasm-simd ──► tfjs-core, tfjs-backend-wasm
 *
 * Library packages never import wasm-simd; only the apps put the engine together.
 */
export interface Rule {
  /** Workspace packages this one may import (by name, without the scope). */
  packages: readonly string[];
  /** Whether it may import TensorFlow.js. */
  tfjs: boolean;
}

export const RULES: Record<string, Rule> = {
  neurons: { packages: [], tfjs: true },
  nn: { packages: ['neurons'], tfjs: true },
  structure: { packages: ['neurons', 'nn'], tfjs: true },
  nir: { packages: ['neurons', 'nn'], tfjs: true },
  datasets: { packages: [], tfjs: false },
  hardware: { packages: [], tfjs: false },
  'wasm-simd': { packages: [], tfjs: true },
};

/** What tests of a library package may import besides: the readers of the real data files they run on. */
export const TEST_ONLY: readonly string[] = ['datasets'];

/** Private apps may import every library package. */
export const APPS = ['cli', 'demo', 'bench', 'examples'] as const;
