import { canonicalJson } from '../sweep/points.js';
import type { SweepReportData } from './report-sweep-data.js';

/** RFC 4180: quote a field that holds a comma, a quote or a line break. */
const field = (v: unknown) => {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? canonicalJson(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per point of the sweep (finished or not), the table the report's plot is drawn from. */
export function sweepCsv(d: SweepReportData): string {
  const header = [
    'id',
    'status',
    'method',
    'setting',
    'seed',
    'test_accuracy',
    'connectivity',
    ...d.layers.map((k) => `connectivity_${k}`),
    'energy_picojoules',
    'cores',
    'chip',
    'epochs',
    'train_seconds',
    'resumed_from_epoch',
    'options',
    'dir',
  ];
  const rows: unknown[][] = d.points.map((p) => [
    p.id,
    'done',
    p.method,
    p.setting,
    p.seed,
    p.testAccuracy,
    p.connectivity,
    ...d.layers.map((k) => p.perLayer[k]),
    p.energyPicojoules,
    p.cores,
    p.chip,
    p.epochs,
    p.trainSeconds,
    p.resumedFrom.epoch,
    p.params,
    p.dir,
  ]);
  const blanks = (n: number) => Array.from({ length: n }, () => null);
  for (const u of d.unfinished)
    rows.push([
      u.id,
      u.status,
      null,
      null,
      u.params.seed,
      ...blanks(2 + d.layers.length + 6),
      u.params,
      u.dir,
    ]);
  return `${[header, ...rows].map((r) => r.map(field).join(',')).join('\n')}\n`;
}

/** The JSON beside the report: points, settings with seed ranges and Pareto flags, references. */
export function sweepJson(d: SweepReportData): string {
  return `${JSON.stringify(
    {
      sweepDir: d.sweepDir,
      datasets: d.datasets,
      models: d.models,
      layerNames: d.layerNames,
      points: d.points,
      unfinished: d.unfinished,
      settings: d.groups,
      references: d.references,
    },
    null,
    2,
  )}\n`;
}
