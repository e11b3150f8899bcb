import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // bundle tfjs-core's gradient registrations (extension-less ESM that plain Node cannot import)
  noExternal: [/@tensorflow\/tfjs-core\/dist\/register_all_gradients/],
});
