import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A specifier that names a file rather than a registry entry or a package. */
export const looksLikePath = (s: string) =>
  s.startsWith('.') || isAbsolute(s) || /\.(c|m)?js$/.test(s) || s.startsWith('file:');

export interface ImportPluginOptions {
  /** What the plugin is, for messages: "learner", "channel-score". */
  kind: string;
  /** Directory relative paths and package names are resolved from (default: process.cwd()). */
  cwd?: string;
  /** How long the module may take to load (default 60 s). */
  timeoutMs?: number;
  /** The message when a package name resolves to nothing. */
  notFound: () => string;
}

class PluginTimeoutError extends Error {}

/** `import(url)`, or a clear error when the module's top-level code has not settled in `ms`. */
async function importWithin(
  url: string,
  specifier: string,
  ms: number,
  kind: string,
): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new PluginTimeoutError(
            `${kind} plugin ${specifier} did not finish loading within ${ms / 1000} s (its top-level code never settled); expected a module that loads promptly`,
          ),
        ),
      ms,
    );
  });
  try {
    return (await Promise.race([import(url), timeout])) as Record<string, unknown>;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Imports a plugin module from a file path (`./my-plugin.js`) or an installed package name, giving up
 * with a clear message when its top-level code never settles.
 */
export async function importPlugin(
  specifier: string,
  o: ImportPluginOptions,
): Promise<{ url: string; mod: Record<string, unknown> }> {
  const cwd = o.cwd ?? process.cwd();
  let url: string;
  if (looksLikePath(specifier)) {
    const file = specifier.startsWith('file:') ? new URL(specifier).pathname : resolve(cwd, specifier);
    if (!existsSync(file)) throw new Error(`${o.kind} plugin ${specifier}: file ${file} does not exist`);
    url = pathToFileURL(file).href;
  } else {
    try {
      url = pathToFileURL(createRequire(join(cwd, 'noop.js')).resolve(specifier)).href;
    } catch {
      // ESM-only packages have no "require" export: let import() resolve them from here
      url = specifier;
    }
  }
  try {
    return { url, mod: await importWithin(url, specifier, o.timeoutMs ?? 60_000, o.kind) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (!looksLikePath(specifier) && err.code === 'ERR_MODULE_NOT_FOUND') throw new Error(o.notFound());
    if (e instanceof PluginTimeoutError) throw e;
    throw new Error(`${o.kind} "${specifier}" is not a loadable module (${err.message})`);
  }
}
