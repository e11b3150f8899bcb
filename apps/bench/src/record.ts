/** One measured figure. Every benchmark writes an array of these to `results/<name>.json`. */
export interface BenchRecord {
  benchmark: string;
  metric: string;
  value: number;
  unit: string;
  config: Record<string, unknown>;
}

export interface BenchContext {
  /** Data root (SYNAPTOGEN_DATA or ../shared/data). */
  dataRoot: string;
  /** Shorter runs (fewer steps) for a quick look; figures are noisier. */
  quick: boolean;
  /** Run the PyTorch peer side by side where a benchmark has one (needs python3-torch). */
  peer: boolean;
  /** Run on the wasm-simd kernels (default); false with `--no-simd`: stock tfjs-wasm kernels. */
  simd: boolean;
  log: (line: string) => void;
}

export interface Benchmark {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<BenchRecord[]>;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
