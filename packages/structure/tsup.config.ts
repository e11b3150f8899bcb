import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    node: 'src/node/index.ts',
    parts: 'src/parts/index.ts',
    sca: 'src/sca/index.ts',
    budget: 'src/budget/index.ts',
    plugin: 'src/plugin.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
