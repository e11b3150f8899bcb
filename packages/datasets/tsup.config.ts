import { defineConfig } from 'tsup';

export default defineConfig({
  // index: browser-safe core; node: core + file system, cache and download helpers; bench: throughput vs
  // NumPy; batchWorker: the worker thread of workerBatches (next to the chunks, found via import.meta.url).
  entry: ['src/index.ts', 'src/node.ts', 'src/bench.ts', 'src/batchWorker.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
