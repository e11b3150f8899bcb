import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LearnerFactory, LearnerPlugin } from '../contract.js';
import { assertLearner, hasLearner, listLearners, registerLearner } from '../registry.js';

export interface LoadLearnerOptions {
  /** Directory relative paths and package names are resolved from (default: process.cwd()). */
  cwd?: string;
}

const looksLikePath = (s: string) =>
  s.startsWith('.') || isAbsolute(s) || /\.(c|m)?js$/.test(s) || s.startsWith('file:');

/** Accepts `export default { name, create }`, `export const learner = ...`, or a default factory function. */
function pluginFrom(mod: Record<string, unknown>, origin: string): LearnerPlugin {
  const candidate = (mod.default ?? mod.learner) as unknown;
  if (typeof candidate === 'function') {
    const factory = candidate as LearnerFactory;
    return { name: factory.name || origin, create: factory };
  }
  const p = candidate as Partial<LearnerPlugin> | undefined;
  if (!p || typeof p !== 'object' || typeof p.create !== 'function' || typeof p.name !== 'string')
    throw new Error(
      `learner plugin ${origin}: expected a default export { name: string, create(options) } (or a factory function)`,
    );
  return p as LearnerPlugin;
}

/**
 * Resolves a learner by registry name, file path (`./my-learner.js`, dynamic import) or package
 * name, registers plugins under their own name, and returns the name and a checked factory.
 */
export async function loadLearner(
  specifier: string,
  options: LoadLearnerOptions = {},
): Promise<{ name: string; create: LearnerFactory; source: string }> {
  if (hasLearner(specifier) && !looksLikePath(specifier)) {
    const { createLearner } = await import('../registry.js');
    return { name: specifier, create: (o) => createLearner(specifier, o), source: 'builtin' };
  }
  const cwd = options.cwd ?? process.cwd();
  let url: string;
  if (looksLikePath(specifier)) {
    const file = specifier.startsWith('file:') ? new URL(specifier).pathname : resolve(cwd, specifier);
    if (!existsSync(file)) throw new Error(`learner plugin ${specifier}: file ${file} does not exist`);
    url = pathToFileURL(file).href;
  } else {
    try {
      url = pathToFileURL(createRequire(join(cwd, 'noop.js')).resolve(specifier)).href;
    } catch {
      // ESM-only packages have no "require" export: let import() resolve them from here
      url = specifier;
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (!looksLikePath(specifier) && err.code === 'ERR_MODULE_NOT_FOUND')
      throw new Error(
        `unknown learner "${specifier}"; expected one of: ${listLearners().join(', ')}, a file path (./my-learner.js) or an installed package name`,
      );
    throw new Error(`learner "${specifier}" is not a loadable module (${err.message})`);
  }
  const plugin = pluginFrom(mod, specifier);
  const create: LearnerFactory = (o) => assertLearner(plugin.create(o), `learner plugin ${specifier}`);
  registerLearner(plugin.name, create, plugin.description ?? `plugin from ${specifier}`);
  return { name: plugin.name, create, source: url };
}
