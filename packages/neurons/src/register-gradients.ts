// tfjs-core registers no gradients by itself. This entry is ESM with extension-less imports, which
// plain Node cannot load, so tsup bundles it (see tsup.config.ts: noExternal, and gradients-version.ts
// for the size and the version check). The engine and the gradient registry live on globalThis, so the
// bundled copy registers into the app's tfjs-core; the app's tfjs-core is imported (and its engine made)
// first, because every module of this package imports it statically.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { version_core } from '@tensorflow/tfjs-core';
import { BUNDLED_GRADIENTS_VERSION, gradientVersionSkew } from './gradients-version.js';

const skew = gradientVersionSkew(BUNDLED_GRADIENTS_VERSION, version_core);
if (skew) console.warn(skew);
