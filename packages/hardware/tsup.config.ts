import { defineConfig } from 'tsup';

export default defineConfig({
  // index: the root; profile, mapping, energy, report: the documented subpaths; node: JSON files.
  entry: {
    index: 'src/index.ts',
    profile: 'src/entries/profile.ts',
    mapping: 'src/entries/mapping.ts',
    energy: 'src/entries/energy.ts',
    report: 'src/entries/report.ts',
    node: 'src/node.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
