import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'tsup';
import { describe, expect, it } from 'vitest';
import { seededUniform } from './test-helpers.js';

/**
 * The worker threads run a script assembled from source text (worker-pool.ts), so a minifier that
 * renames functions can break them while every unminified test passes: the demo's production build
 * once hung on two threads that way. Here the threaded conv runs from a minified bundle of the package.
 */
describe('a minified bundle (as apps bundle the package)', () => {
  it('runs conv gradients on two worker threads, as one thread does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synaptogen-minified-'));
    const entry = join(dir, 'entry.ts');
    const src = resolve(__dirname);
    writeFileSync(
      entry,
      `export { loadKernels } from ${JSON.stringify(join(src, 'runtime.ts'))};\nexport { conv2dBackpropFilter } from ${JSON.stringify(join(src, 'conv.ts'))};\n`,
    );
    await build({
      entry: { bundle: entry },
      outDir: dir,
      format: ['esm'],
      platform: 'node',
      target: 'node20',
      minify: true,
      noExternal: [/./],
      dts: false,
      silent: true,
      config: false,
    });
    const bundle = await import(pathToFileURL(join(dir, 'bundle.js')).href);
    const g = {
      ...{ batch: 8, inH: 16, inW: 16, inC: 32, outH: 8, outW: 8, outC: 32 },
      ...{ kH: 3, kW: 3, strideH: 2, strideW: 2, padTop: 0, padLeft: 0 },
    };
    const x = seededUniform(8 * 16 * 16 * 32, 1);
    const dy = seededUniform(8 * 8 * 8 * 32, 2);
    const k2 = await bundle.loadKernels({ threads: 2 });
    expect(k2.threads).toBe(2);
    const two = bundle.conv2dBackpropFilter(k2, x, dy, g) as Float32Array;
    const one = bundle.conv2dBackpropFilter(
      await bundle.loadKernels({ threads: 1 }),
      x,
      dy,
      g,
    ) as Float32Array;
    // one thread sums the pixels in another grouping than two: equal up to float32 rounding
    let err = 0;
    for (let i = 0; i < one.length; i++) err = Math.max(err, Math.abs(two[i] - one[i]));
    expect(err).toBeLessThan(1e-4);
    expect(one.some((v) => v !== 0)).toBe(true);
  }, 60_000);
});
