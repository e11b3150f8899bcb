// Registers tfjs-core's gradients in plain Node (see resolve-js-hook.mjs). tfjs keeps its registries
// on globalThis, so these land in the same registry the CommonJS tfjs-core bundle uses.
import { register } from 'node:module';

register('./resolve-js-hook.mjs', import.meta.url);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
