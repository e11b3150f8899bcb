import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { gradientVersionSkew } from './gradients-version.js';

const require = createRequire(import.meta.url);
const installed: string = JSON.parse(
  readFileSync(require.resolve('@tensorflow/tfjs-core/package.json'), 'utf8'),
).version;
const peerRange: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  .peerDependencies['@tensorflow/tfjs-core'];

describe('the tfjs-core gradient copy bundled into dist', () => {
  it('was taken from the tfjs-core installed here, the one every test runs against', async () => {
    // the built package, as npm ships it (turbo builds before testing)
    const dist = await import('../dist/index.js');
    expect(dist.BUNDLED_GRADIENTS_VERSION).toBe(installed);
  });

  it('matches the minor version the peer range starts at', () => {
    // ^4.22.0 admits 4.23: the import-time check below is what then speaks up
    expect(
      peerRange
        .replace(/^[\^~]/, '')
        .split('.')
        .slice(0, 2),
    ).toEqual(installed.split('.').slice(0, 2));
  });

  it('warns when the app loads another minor version of tfjs-core, and only then', () => {
    expect(gradientVersionSkew('4.22.0', '4.22.3')).toBeNull();
    expect(gradientVersionSkew('4.22.0', '4.23.0')).toMatch(
      /gradients come from @tensorflow\/tfjs-core 4\.22\.0, but the app loads @tensorflow\/tfjs-core 4\.23\.0/,
    );
    expect(gradientVersionSkew('4.22.0', '5.0.0')).not.toBeNull();
  });
});
