import { defineConfig } from 'tsup';

export default defineConfig({
  // index: browser-safe root; node: the Node root (index + loaders, downloads); formats, batching, errors:
  // browser-safe subpaths; files, download: Node subpaths; bench: throughput vs NumPy; batchWorker: the
  // worker thread of workerBatches (next to the chunks, found via import.meta.url).
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    formats: 'src/entries/formats.ts',
    batching: 'src/entries/batching.ts',
    errors: 'src/entries/errors.ts',
    files: 'src/entries/files.ts',
    download: 'src/entries/download.ts',
    bench: 'src/bench.ts',
    batchWorker: 'src/batchWorker.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
