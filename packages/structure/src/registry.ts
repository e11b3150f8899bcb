import type { LearnerFactory, StructureLearner } from './contract.js';

interface Entry {
  factory: LearnerFactory;
  description: string;
}

const registry = new Map<string, Entry>();

export class UnknownLearnerError extends Error {
  constructor(readonly learnerName: string) {
    super(
      `unknown learner "${learnerName}"; expected one of: ${listLearners().join(', ')}, a file path or a package name`,
    );
    this.name = 'UnknownLearnerError';
  }
}

/** Makes a learner available by name. Re-registering a name replaces it (a plugin may override a built-in). */
export function registerLearner(name: string, factory: LearnerFactory, description = ''): void {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name))
    throw new Error(`learner name "${name}" is invalid: use letters, digits, ".", "_" or "-"`);
  if (typeof factory !== 'function') throw new Error(`learner "${name}": factory must be a function`);
  registry.set(name, { factory, description });
}

export function hasLearner(name: string): boolean {
  return registry.has(name);
}

export function listLearners(): string[] {
  return [...registry.keys()];
}

export function describeLearner(name: string): string | undefined {
  return registry.get(name)?.description;
}

/** Builds a registered learner and checks that it implements the contract. */
export function createLearner(name: string, options: Record<string, unknown> = {}): StructureLearner {
  const entry = registry.get(name);
  if (!entry) throw new UnknownLearnerError(name);
  return assertLearner(entry.factory(options), `learner "${name}"`);
}

const REQUIRED = ['attach', 'report', 'getState', 'setState', 'dispose'] as const;

/** Throws a clear error when `value` does not implement StructureLearner (plugins are untyped JS). */
export function assertLearner(value: unknown, origin: string): StructureLearner {
  if (!value || typeof value !== 'object')
    throw new Error(
      `${origin}: the factory returned ${value === null ? 'null' : typeof value}, expected a StructureLearner object`,
    );
  const missing = REQUIRED.filter((k) => typeof (value as Record<string, unknown>)[k] !== 'function');
  if (missing.length)
    throw new Error(`${origin}: not a StructureLearner, missing method(s) ${missing.join(', ')}`);
  return value as StructureLearner;
}
