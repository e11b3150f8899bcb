import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';

const require = createRequire(import.meta.url);
/** The tfjs-core whose gradient registrations are bundled (checked against the app's at import). */
const tfjsCore = JSON.parse(readFileSync(require.resolve('@tensorflow/tfjs-core/package.json'), 'utf8'));

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // bundle tfjs-core's gradient registrations (extension-less ESM that plain Node cannot import)
  noExternal: [/@tensorflow\/tfjs-core\/dist\/register_all_gradients/],
  define: { __BUNDLED_TFJS_CORE__: JSON.stringify(tfjsCore.version) },
});
