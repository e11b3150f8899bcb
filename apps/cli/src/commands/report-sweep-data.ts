import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CliError } from '../errors.js';
import {
  type PointCost,
  type PointFailure,
  type PointResult,
  readJson,
  readSweepManifest,
  sweepPaths,
} from '../sweep/layout.js';
import { canonicalJson, type SweepPoint } from '../sweep/points.js';
import { trainDefault } from '../sweep/train-flags.js';
import { layerNames, renameKeys } from './report-layer-names.js';
import { type ReferencePoint, referencesFor } from './report-references.js';

/** A finished point as the sweep report shows it. */
export interface SweepReportPoint {
  id: string;
  dir: string;
  /** The series it belongs to: the learner (and model / dataset when the sweep varies them). */
  method: string;
  /** The options it varies besides the seed, e.g. `alpha=0.05`: one group of seeds. */
  setting: string;
  group: string;
  seed: number | null;
  params: Record<string, unknown>;
  testAccuracy: number;
  connectivity: number;
  /** Readable layer names (`fc1`). */
  perLayer: Record<string, number>;
  epochs: number;
  trainSeconds: number;
  resumedFrom: { epoch: number; batches: number };
  energyPicojoules: number | null;
  cores: number | null;
  chip: string | null;
}

/** The seeds of one setting: mean and range of accuracy and connectivity. */
export interface SweepGroup {
  key: string;
  method: string;
  setting: string;
  seeds: number;
  testAccuracy: { mean: number; min: number; max: number };
  connectivity: { mean: number; min: number; max: number };
  perLayer: Record<string, number>;
  energyPicojoules: number | null;
  cores: number | null;
  /** On the Pareto front of mean accuracy (higher) vs mean connectivity (lower). */
  pareto: boolean;
}

export interface SweepReportData {
  kind: 'sweep';
  title: string;
  sweepDir: string;
  createdAt: string;
  datasets: string[];
  models: string[];
  points: SweepReportPoint[];
  /** Points not finished (failed, running or not started), listed with their state. */
  unfinished: {
    id: string;
    dir: string;
    params: Record<string, unknown>;
    status: string;
    message: string | null;
  }[];
  groups: SweepGroup[];
  layers: string[];
  /** Readable layer name → parameter (`fc1` → `body.1.weight`). */
  layerNames: Record<string, string>;
  references: (ReferencePoint & { placedAccuracy: number | null })[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const range = (xs: number[]) => ({ mean: mean(xs), min: Math.min(...xs), max: Math.max(...xs) });
const show = (v: unknown) => (typeof v === 'object' ? canonicalJson(v) : String(v));
/** Options that name the series rather than a setting along it. */
const SERIES_KEYS = ['learner', 'model', 'dataset'];

/** Options whose value differs between the given points. */
function varying(points: SweepPoint[]): string[] {
  const keys = [...new Set(points.flatMap((p) => Object.keys(p.params)))];
  return keys.filter((k) => new Set(points.map((p) => show(p.params[k]))).size > 1);
}

/** Groups not beaten by another in both accuracy (higher) and connectivity (lower). */
function markPareto(groups: SweepGroup[]): void {
  for (const g of groups)
    g.pareto = !groups.some(
      (h) =>
        h !== g &&
        h.testAccuracy.mean >= g.testAccuracy.mean &&
        h.connectivity.mean <= g.connectivity.mean &&
        (h.testAccuracy.mean > g.testAccuracy.mean || h.connectivity.mean < g.connectivity.mean),
    );
}

function meanRecord(records: Record<string, number>[]): Record<string, number> {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(
    keys.map((k) => [k, mean(records.map((r) => r[k]).filter((v) => v !== undefined))]),
  );
}

function readPointManifest(dir: string): { tensors?: unknown; meta?: Record<string, any> } | null {
  const file = join(dir, 'manifest.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

/** Everything the sweep report shows, from a sweep directory's records and its points' checkpoints. */
export function readSweep(dir: string): SweepReportData {
  const manifest = readSweepManifest(dir);
  const paths = sweepPaths(dir);
  const all = manifest.points;
  const seriesKeys = SERIES_KEYS.filter((k) => varying(all).includes(k));
  const methodOf = (p: SweepPoint) =>
    [
      String(p.params.learner ?? 'dense'),
      ...seriesKeys.filter((k) => k !== 'learner').map((k) => show(p.params[k])),
    ].join(' · ');
  // a setting is named by what varies within its method (Grad R: alpha; magnitude: targetSparsity)
  const settingKeys = new Map<string, string[]>();
  for (const method of new Set(all.map(methodOf)))
    settingKeys.set(
      method,
      varying(all.filter((p) => methodOf(p) === method)).filter(
        (k) => k !== 'seed' && !SERIES_KEYS.includes(k),
      ),
    );
  const names: Record<string, string> = {};

  const points: SweepReportPoint[] = [];
  const unfinished: SweepReportData['unfinished'] = [];
  for (const p of all) {
    const result = readJson<PointResult>(paths.result(p.id));
    if (!result || result.testAccuracy === null) {
      const failure = readJson<PointFailure>(paths.failure(p.id));
      unfinished.push({
        id: p.id,
        dir: paths.point(p),
        params: p.params,
        status: failure
          ? 'failed'
          : existsSync(join(paths.point(p), 'manifest.json'))
            ? 'unfinished'
            : 'not started',
        message: failure?.message ?? null,
      });
      continue;
    }
    const m = readPointManifest(paths.point(p));
    const layerMap = m ? layerNames(m) : new Map<string, string>();
    for (const [raw, readable] of layerMap) if (raw.endsWith('.weight')) names[readable] = raw;
    const method = methodOf(p);
    const setting = settingKeys
      .get(method)!
      .filter((k) => k in p.params)
      .map((k) => `${k}=${show(p.params[k])}`)
      .join(' ');
    const cost = result.cost && !('error' in result.cost) ? (result.cost as PointCost) : null;
    points.push({
      id: p.id,
      dir: paths.point(p),
      method,
      setting,
      // every option but the seed: the seeds of one setting form a group
      group: `${method}|${canonicalJson({ ...p.params, seed: undefined })}`,
      seed: typeof p.params.seed === 'number' ? p.params.seed : null,
      params: p.params,
      testAccuracy: result.testAccuracy,
      connectivity: result.connectivity,
      perLayer: renameKeys(result.connectivityPerLayer, layerMap),
      epochs: result.epochs,
      trainSeconds: result.trainSeconds,
      resumedFrom: result.resumedFrom,
      energyPicojoules: cost?.energyPicojoules ?? null,
      cores: cost?.cores ?? null,
      chip: cost?.chip ?? null,
    });
  }

  const byGroup = new Map<string, SweepReportPoint[]>();
  for (const p of points) byGroup.set(p.group, [...(byGroup.get(p.group) ?? []), p]);
  const groups: SweepGroup[] = [...byGroup].map(([key, ps]) => {
    const energies = ps.map((p) => p.energyPicojoules).filter((v): v is number => v !== null);
    const cores = ps.map((p) => p.cores).filter((v): v is number => v !== null);
    return {
      key,
      method: ps[0].method,
      setting: ps[0].setting,
      seeds: ps.length,
      testAccuracy: range(ps.map((p) => p.testAccuracy)),
      connectivity: range(ps.map((p) => p.connectivity)),
      perLayer: meanRecord(ps.map((p) => p.perLayer)),
      energyPicojoules: energies.length ? mean(energies) : null,
      cores: cores.length ? Math.max(...cores) : null,
      pareto: false,
    };
  });
  markPareto(groups);

  const datasets = [...new Set(all.map((p) => String(p.params.dataset ?? trainDefault('dataset'))))];
  // a claim relative to the dense network is placed only when the sweep has a dense point to be relative to
  const dense = groups.filter((g) => g.method.startsWith('dense'));
  const denseAccuracy = dense.length ? Math.max(...dense.map((g) => g.testAccuracy.mean)) : null;
  const references = referencesFor(datasets).map((r) => ({
    ...r,
    placedAccuracy:
      r.testAccuracy ??
      (r.accuracyDelta !== undefined && denseAccuracy !== null ? denseAccuracy + r.accuracyDelta : null),
  }));
  const layers = [...new Set(points.flatMap((p) => Object.keys(p.perLayer)))];
  if (!points.length && !unfinished.length) throw new CliError(`report: sweep ${dir} has no points`, 2);
  return {
    kind: 'sweep',
    title: basename(paths.root),
    sweepDir: paths.root,
    createdAt: manifest.createdAt,
    datasets,
    models: [...new Set(all.map((p) => String(p.params.model ?? trainDefault('model'))))],
    points,
    unfinished,
    groups,
    layers,
    layerNames: names,
    references,
  };
}
