/**
 * The surrogate spike functions, one row each: the name (SpikingJelly's, in camelCase), the id the
 * native kernels switch on, SpikingJelly's default α, and g′(x), the derivative used in place of the
 * Heaviside step's. `@synaptogen/neurons` implements the formulas on tensors, the kernels in SIMD.
 */
export const SURROGATE_TABLE = [
  { name: 'atan', id: 0, alpha: 2, formula: '(α/2) / (1 + (π/2·α·x)²)' },
  { name: 'sigmoid', id: 1, alpha: 4, formula: 'α·σ(αx)·(1 − σ(αx))' },
  { name: 'piecewiseQuadratic', id: 2, alpha: 1, formula: '−α²|x| + α for |x| ≤ 1/α, else 0' },
  { name: 'piecewiseExp', id: 3, alpha: 1, formula: '(α/2)·e^(−α|x|)' },
  { name: 'softSign', id: 4, alpha: 2, formula: '1 / (2α(1/α + |x|)²)' },
  { name: 'superSpike', id: 5, alpha: 1, formula: 'α / (1 + |x|)²' },
  { name: 'erf', id: 6, alpha: 2, formula: '(α/√π)·e^(−(αx)²)' },
  { name: 'rect', id: 7, alpha: 1, formula: 'α where |x| < 0.5/α, else 0' },
] as const;

export type SurrogateName = (typeof SURROGATE_TABLE)[number]['name'];

/** The names, in table (id) order. */
export const SURROGATE_NAMES: readonly SurrogateName[] = SURROGATE_TABLE.map((s) => s.name);

/** SpikingJelly's default α of each surrogate. */
export const DEFAULT_SURROGATE_ALPHA: Readonly<Record<SurrogateName, number>> = Object.freeze(
  Object.fromEntries(SURROGATE_TABLE.map((s) => [s.name, s.alpha])) as Record<SurrogateName, number>,
);

/** The kernels' id of a surrogate, or -1 for a name not in the table. */
export function surrogateId(name: string): number {
  return SURROGATE_TABLE.find((s) => s.name === name)?.id ?? -1;
}
