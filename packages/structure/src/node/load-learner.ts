import type { LearnerFactory, LearnerPlugin, StructureLearner } from '../contract.js';
import * as parts from '../parts/index.js';
import {
  assertLearner,
  assertReport,
  hasLearner,
  LearnerNameTakenError,
  listLearners,
  registerLearner,
} from '../registry.js';
import { importPlugin, looksLikePath } from './import-plugin.js';

export interface LoadLearnerOptions {
  /** Directory relative paths and package names are resolved from (default: process.cwd()). */
  cwd?: string;
  /** How long a plugin module may take to load before it is given up on (default 60 s). */
  timeoutMs?: number;
}

/** Accepts `export default { name, create }`, `export const learner = ...`, or a default factory function. */
function pluginFrom(mod: Record<string, unknown>, origin: string): LearnerPlugin {
  const candidate = (mod.default ?? mod.learner) as unknown;
  if (typeof candidate === 'function') {
    const factory = candidate as LearnerPlugin['create'];
    return { name: factory.name || origin, create: factory };
  }
  const p = candidate as Partial<LearnerPlugin> | undefined;
  if (!p || typeof p !== 'object' || typeof p.create !== 'function' || typeof p.name !== 'string')
    throw new Error(
      `learner plugin ${origin}: expected a default export { name: string, create(options) } (or a factory function)`,
    );
  return p as LearnerPlugin;
}

/** The contract methods a host calls; a plugin's failure in one of them is reported as the plugin's. */
const HOOKS = new Set([
  'attach',
  'setOptimizer',
  'ownedParameters',
  'applyGradients',
  'afterStep',
  'endEpoch',
  'report',
  'getState',
  'divergenceTensors',
  'setState',
  'dispose',
]);

/**
 * A plugin's learner as the host sees it: errors its methods throw name the plugin and the method,
 * and `report()` is checked against the contract (finite connectivity in [0, 1]...).
 */
function guardPlugin(learner: StructureLearner, origin: string): StructureLearner {
  const blame = (method: string, e: unknown) =>
    new Error(`${origin}: ${method}() failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  return new Proxy(learner, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof key !== 'string' || !HOOKS.has(key) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        let out: unknown;
        try {
          out = value.apply(target, args);
        } catch (e) {
          throw blame(key, e);
        }
        if (out instanceof Promise)
          return out.catch((e: unknown) => {
            throw blame(key, e);
          });
        return key === 'report' ? assertReport(out, origin) : out;
      };
    },
  });
}

/**
 * Resolves a learner by registry name, file path (`./my-learner.js`, dynamic import) or package
 * name, registers plugins under their own name (a built-in's name only with `override: true` in the
 * plugin), and returns the name and a checked factory.
 */
export async function loadLearner(
  specifier: string,
  options: LoadLearnerOptions = {},
): Promise<{ name: string; create: LearnerFactory; source: string }> {
  if (hasLearner(specifier) && !looksLikePath(specifier)) {
    const { createLearner } = await import('../registry.js');
    return { name: specifier, create: (o) => createLearner(specifier, o), source: 'builtin' };
  }
  const { url, mod } = await importPlugin(specifier, {
    kind: 'learner',
    cwd: options.cwd,
    timeoutMs: options.timeoutMs,
    notFound: () =>
      `unknown learner "${specifier}"; expected one of: ${listLearners().join(', ')}, a file path (./my-learner.js) or an installed package name`,
  });
  const plugin = pluginFrom(mod, specifier);
  const origin = `learner plugin ${specifier}`;
  // the plugin gets the host's parts: a plugin file builds on MaskLearner without importing anything
  const create: LearnerFactory = (o) => guardPlugin(assertLearner(plugin.create(o, parts), origin), origin);
  try {
    registerLearner(plugin.name, create, plugin.description ?? `plugin from ${specifier}`, {
      source: url,
      override: plugin.override === true,
    });
  } catch (e) {
    if (!(e instanceof LearnerNameTakenError)) throw e;
    throw new Error(
      `${origin} is named "${plugin.name}", which is ${e.takenBy === 'builtin' ? 'a built-in learner' : `the learner from ${e.takenBy}`}; ` +
        'rename the plugin, or export override: true with it to replace that learner',
    );
  }
  return { name: plugin.name, create, source: url };
}
