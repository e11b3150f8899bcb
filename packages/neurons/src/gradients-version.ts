import { version_core } from '@tensorflow/tfjs-core';

/**
 * tfjs-core registers no gradients by itself and its gradient module cannot be imported by plain Node
 * (extension-less ESM), so the build bundles tfjs-core's gradient registrations (with the ops they call)
 * into this package: ~295 KiB of the ~312 KiB dist/index.js (57 KiB of 63 KiB gzipped). They run through
 * the app's tfjs engine, which lives on globalThis; what can drift is the ops' kernel calls, when the
 * app's tfjs-core is another minor version than the copy. tsup sets this constant to the version the copy
 * was taken from (tsup.config.ts); from source (tests) it is the installed tfjs-core itself.
 */
declare const __BUNDLED_TFJS_CORE__: string | undefined;

/** The tfjs-core version whose gradients this package registers. */
export const BUNDLED_GRADIENTS_VERSION: string =
  typeof __BUNDLED_TFJS_CORE__ === 'string' ? __BUNDLED_TFJS_CORE__ : version_core;

/** A warning when the app's tfjs-core differs in major or minor version from the bundled gradients, else null. */
export function gradientVersionSkew(bundled: string, app: string): string | null {
  const minor = (v: string) => v.split('.').slice(0, 2).join('.');
  if (minor(bundled) === minor(app)) return null;
  return (
    `@synaptogen/neurons: its gradients come from @tensorflow/tfjs-core ${bundled}, but the app loads ` +
    `@tensorflow/tfjs-core ${app}; install @tensorflow/tfjs-core@${minor(bundled)} or a @synaptogen/neurons built for ${minor(app)}`
  );
}
