import { readFileSync } from 'node:fs';
import type { Option } from 'commander';
import { CliError } from '../errors.js';
import { canonicalJson } from './points.js';
import { SWEEP_CONTROLLED, sweepableOptions, type TrainParams } from './train-flags.js';

/**
 * A sweep file: `base` options shared by every point, a `grid` of option lists (every combination)
 * and/or a `points` list (irregular sweeps; combined with every grid combination when both are
 * given). Keys are `train`'s options in camelCase (kebab-case is accepted).
 */
export interface SweepSpec {
  base: TrainParams;
  grid: Record<string, unknown[]>;
  points: TrainParams[];
}

const TOP_KEYS = ['base', 'grid', 'points'];
const camel = (s: string) => s.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const show = (v: unknown) => JSON.stringify(v);

/** Bad sweep input: one line naming the file and the key (`sweep.json: grid.alpha is an empty list`). */
function fail(where: string, message: string): never {
  throw new CliError(`${where} ${message}`, 2);
}

/** Edit distance, for "did you mean" (option names are short). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length];
}

function unknownOption(where: string, key: string, options: Map<string, Option>): never {
  const name = camel(key);
  if (name in SWEEP_CONTROLLED) fail(where, `is set by the sweep (${SWEEP_CONTROLLED[name]}); remove it`);
  const names = [...options.keys()];
  const near = names
    .map((n) => [n, distance(name.toLowerCase(), n.toLowerCase())] as const)
    .filter(([, d]) => d <= 2)
    .sort((a, b) => a[1] - b[1])[0];
  fail(
    where,
    `is not a train option${near ? ` (did you mean "${near[0]}"?)` : ''}; expected one of ${names.join(', ')}`,
  );
}

/** One value through train's own parser, so a sweep file gets exactly train's checks and messages. */
function parseValue(where: string, option: Option, value: unknown): unknown {
  const name = option.attributeName();
  if (option.negate || option.isBoolean()) {
    if (typeof value !== 'boolean') fail(where, `expects true or false, got ${show(value)}`);
    return value;
  }
  if (name === 'learnerOption') {
    if (!value || typeof value !== 'object' || Array.isArray(value))
      fail(where, `expects an object of learner options, e.g. {"temperature": 1e-6}, got ${show(value)}`);
    return value;
  }
  if (value === null || typeof value === 'object' || typeof value === 'boolean')
    fail(where, `expects a number or a string, got ${show(value)}`);
  const parse = option.parseArg as ((v: string, previous: unknown) => unknown) | undefined;
  try {
    return parse ? parse(String(value), undefined) : String(value);
  } catch (e) {
    fail(`${where}:`, (e as Error).message);
  }
}

function asObject(where: string, value: unknown, example: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    fail(where, `expects an object, e.g. ${example}, got ${show(value)}`);
  return value as Record<string, unknown>;
}

/**
 * Keys → camelCase option names with their raw values; a key spelled twice (`targetSparsity` and
 * `target-sparsity`) is a conflict.
 */
function namedEntries(
  where: string,
  object: Record<string, unknown>,
  options: Map<string, Option>,
): [string, unknown][] {
  const seen = new Map<string, string>();
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(object)) {
    const name = camel(key);
    if (!options.has(name)) unknownOption(`${where}.${key}`, key, options);
    const earlier = seen.get(name);
    if (earlier !== undefined)
      fail(`${where}.${key}`, `conflicts with "${earlier}" in the same object (one option, given twice)`);
    seen.set(name, key);
    out.push([name, value]);
  }
  return out;
}

function parseParams(where: string, object: unknown, options: Map<string, Option>): TrainParams {
  const entries = namedEntries(where, asObject(where, object, '{"learner": "gradr"}'), options);
  return Object.fromEntries(
    entries.map(([name, value]) => [name, parseValue(`${where}.${name}`, options.get(name)!, value)]),
  );
}

/** Parses and checks a sweep object; `file` names the input in messages. */
export function parseSweep(json: unknown, file: string, options = sweepableOptions()): SweepSpec {
  const top = asObject(`${file}:`, json, '{"base": {...}, "grid": {"alpha": [0.05, 0.2]}}');
  for (const key of Object.keys(top))
    if (!TOP_KEYS.includes(key))
      fail(
        `${file}:`,
        `unknown key "${key}"; a sweep file has ${TOP_KEYS.join(', ')} (train options go inside them)`,
      );
  const base = top.base === undefined ? {} : parseParams(`${file}: base`, top.base, options);

  const grid: Record<string, unknown[]> = {};
  if (top.grid !== undefined) {
    const where = `${file}: grid`;
    const entries = namedEntries(where, asObject(where, top.grid, '{"alpha": [0.05, 0.2]}'), options);
    if (!entries.length) fail(where, 'is empty; give at least one option with a list of values');
    for (const [name, list] of entries) {
      const at = `${where}.${name}`;
      if (!Array.isArray(list)) fail(at, `expects a list of values, e.g. [1, 2], got ${show(list)}`);
      if (!list.length) fail(at, 'is an empty list; give at least one value');
      if (name in base) fail(at, `conflicts with base.${name} (${show(base[name])}); set it in one place`);
      const values = list.map((v, i) => parseValue(`${at}[${i}]`, options.get(name)!, v));
      const seen = new Map<string, number>();
      values.forEach((v, i) => {
        const earlier = seen.get(show(v));
        if (earlier !== undefined) fail(at, `lists ${show(list[i])} twice (entries ${earlier} and ${i})`);
        seen.set(show(v), i);
      });
      grid[name] = values;
    }
  }

  const points: TrainParams[] = [];
  if (top.points !== undefined) {
    const where = `${file}: points`;
    if (!Array.isArray(top.points)) fail(where, `expects a list of option objects, got ${show(top.points)}`);
    if (!top.points.length) fail(where, 'is an empty list; give at least one point');
    top.points.forEach((p, i) => {
      const params = parseParams(`${where}[${i}]`, p, options);
      for (const name of Object.keys(params)) {
        if (name in base)
          fail(
            `${where}[${i}].${name}`,
            `conflicts with base.${name} (${show(base[name])}); set it in one place`,
          );
        if (name in grid) fail(`${where}[${i}].${name}`, `conflicts with grid.${name}; set it in one place`);
      }
      const same = points.findIndex((q) => canonicalJson(q) === canonicalJson(params));
      if (same >= 0) fail(`${where}[${i}]`, `is the same run as points[${same}]`);
      points.push(params);
    });
  }
  if (top.grid === undefined && top.points === undefined)
    fail(`${file}:`, 'no points: give a "grid" of option lists and/or a "points" list');
  return { base, grid, points };
}

/** Reads and checks a sweep file (JSON). */
export function readSweepFile(file: string, options = sweepableOptions()): SweepSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    fail(
      `${file}:`,
      `cannot read the sweep file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`${file}:`, `not valid JSON (${(e as Error).message})`);
  }
  return parseSweep(json, file, options);
}
