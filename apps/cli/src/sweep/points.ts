import { createHash } from 'node:crypto';
import type { SweepSpec } from './sweep-file.js';
import type { TrainParams } from './train-flags.js';

/** One run of a sweep: its options, a stable id and the run directory's name under `<out>/points/`. */
export interface SweepPoint {
  /** Hash of the options: the same options give the same id in every sweep and on every machine. */
  id: string;
  /** Directory name under `<out>/points/`, readable: `gradr-alpha0.05-seed1-<id>`. */
  dir: string;
  params: TrainParams;
}

/** JSON with sorted keys at every level: equal options, equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export const pointId = (params: TrainParams) =>
  createHash('sha256').update(canonicalJson(params)).digest('hex').slice(0, 10);

const slugValue = (v: unknown) =>
  String(v)
    .replace(/[^A-Za-z0-9.+-]+/g, '_')
    .slice(0, 24);

/** `learner` and the options that vary across the sweep name the directory; the id keeps it unique. */
function dirName(params: TrainParams, varying: string[], id: string): string {
  const parts: string[] = [];
  if (typeof params.learner === 'string') parts.push(slugValue(params.learner.split('/').at(-1)));
  // object values (learnerOption) are left to the id: they make long, unreadable names
  for (const k of varying)
    if (k !== 'learner' && k in params && typeof params[k] !== 'object')
      parts.push(`${k}${slugValue(params[k])}`);
  return [...parts, id].join('-');
}

/** Every point of a sweep: each grid combination (× each `points` entry), merged over `base`. */
export function expandSweep(spec: SweepSpec): SweepPoint[] {
  let combos: TrainParams[] = [{}];
  for (const [name, values] of Object.entries(spec.grid))
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  const extras = spec.points.length ? spec.points : [{}];
  const all = combos.flatMap((c) => extras.map((p) => ({ ...spec.base, ...c, ...p })));
  const keys = new Set(all.flatMap((p) => Object.keys(p)));
  const varying = [...keys].filter((k) => new Set(all.map((p) => canonicalJson(p[k]))).size > 1);
  // grid values are distinct and no key is set twice (sweep-file.ts), so every combination is a new run
  return all.map((params) => {
    const id = pointId(params);
    return { id, dir: dirName(params, varying, id), params };
  });
}
