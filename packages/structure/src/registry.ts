import type { LearnerFactory, LearnerReport, StructureLearner } from './contract.js';

interface Entry {
  factory: LearnerFactory;
  description: string;
  source: string;
}

export interface RegisterOptions {
  /** Where the learner comes from: 'builtin', a plugin's URL, or 'code' (the default). */
  source?: string;
  /** Replace a learner of the same name registered from another source (a built-in included). */
  override?: boolean;
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

/** Thrown when a name is taken by a learner from another source and no override was asked for. */
export class LearnerNameTakenError extends Error {
  constructor(
    readonly learnerName: string,
    readonly takenBy: string,
  ) {
    super(
      `learner "${learnerName}" is already registered (${takenBy === 'builtin' ? 'a built-in learner' : `from ${takenBy}`}); ` +
        'choose another name, or register with { override: true } to replace it',
    );
    this.name = 'LearnerNameTakenError';
  }
}

/**
 * Makes a learner available by name. A name already registered from another source (a plugin taking
 * "gradr") is refused unless `override` is set; registering again from the same source replaces it.
 */
export function registerLearner(
  name: string,
  factory: LearnerFactory,
  description = '',
  options: RegisterOptions = {},
): void {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name))
    throw new Error(`learner name "${name}" is invalid: use letters, digits, ".", "_" or "-"`);
  if (typeof factory !== 'function') throw new Error(`learner "${name}": factory must be a function`);
  const source = options.source ?? 'code';
  const taken = registry.get(name);
  if (taken && taken.source !== source && !options.override)
    throw new LearnerNameTakenError(name, taken.source);
  registry.set(name, { factory, description, source });
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

const isFraction = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 1;
const isCount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/**
 * Throws a clear error when a learner's report breaks the contract: connectivity (overall and per
 * layer) a number in [0, 1], counts finite and ≥ 0. A NaN would otherwise reach logs and histories
 * as null.
 */
export function assertReport(r: unknown, origin: string): LearnerReport {
  const fail = (what: string): never => {
    throw new Error(`${origin}: report() returned ${what}`);
  };
  if (!r || typeof r !== 'object')
    return fail(`${r === null ? 'null' : typeof r}; expected a LearnerReport object`);
  const report = r as LearnerReport;
  if (!isFraction(report.connectivity))
    fail(`connectivity ${String(report.connectivity)}; expected a number in [0, 1]`);
  for (const k of ['pruned', 'regrown'] as const)
    if (!isCount(report[k])) fail(`${k} ${String(report[k])}; expected a finite number ≥ 0`);
  if (!report.perLayer || typeof report.perLayer !== 'object')
    fail(`perLayer ${String(report.perLayer)}; expected an object of layer name to connectivity`);
  for (const [layer, c] of Object.entries(report.perLayer)) {
    if (!c || !isFraction(c.connectivity))
      fail(`connectivity ${String(c?.connectivity)} for layer ${layer}; expected a number in [0, 1]`);
    if (!isCount(c.active) || !isCount(c.total))
      fail(
        `active ${String(c.active)} / total ${String(c.total)} for layer ${layer}; expected finite counts ≥ 0`,
      );
  }
  return report;
}
