import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the root; the rest are the documented subpaths (package.json "exports"), node: checkpoint folders.
  entry: {
    index: 'src/index.ts',
    layers: 'src/layers/index.ts',
    models: 'src/models/index.ts',
    train: 'src/train/index.ts',
    optim: 'src/optim/index.ts',
    checkpoint: 'src/checkpoint/index.ts',
    profile: 'src/profile/index.ts',
    backend: 'src/backend.ts',
    node: 'src/node/index.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
