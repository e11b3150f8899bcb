import fs from 'node:fs';
import binaryen from 'binaryen';
import { describe, expect, it } from 'vitest';
import { AUGMENT_WASM_BASE64 } from './augmentWasm.js';

describe('embedded WASM kernel', () => {
  it('is the assembled augment.wat (run `pnpm build:wasm` after editing the .wat)', () => {
    const wat = fs.readFileSync(new URL('./augment.wat', import.meta.url), 'utf8');
    // The same steps as scripts/build-wasm.mjs.
    const mod = binaryen.parseText(wat);
    mod.setFeatures(binaryen.Features.MVP | binaryen.Features.SIMD128);
    expect(mod.validate()).toBeTruthy();
    binaryen.setOptimizeLevel(3);
    mod.optimize();
    expect(Buffer.from(mod.emitBinary()).toString('base64')).toBe(AUGMENT_WASM_BASE64);
    mod.dispose();
  });
});
