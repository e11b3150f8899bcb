import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the root; kernels and tuning: the documented subpaths (package.json "exports").
  entry: { index: 'src/index.ts', kernels: 'src/entries/kernels.ts', tuning: 'src/entries/tuning.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
