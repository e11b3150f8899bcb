// tfjs-core registers no gradients by itself. This entry is ESM with extension-less imports, which
// plain Node cannot load, so tsup bundles it (see tsup.config.ts: noExternal). The engine and the
// gradient registry live on globalThis, so the bundled copy registers into the app's tfjs-core.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
