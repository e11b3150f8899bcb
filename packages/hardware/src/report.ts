/**
 * One cost report (operations, energy under one or more presets, chip mapping) and its text/JSON forms,
 * alone or side by side for two networks (dense vs pruned). This is what `synaptogen cost` prints.
 */
import type { Chip } from './chip.js';
import { DEFAULT_ENERGY_PRESET, type EnergyEstimate, type EnergyPreset, estimateEnergy } from './energy.js';
import type { MappingOptions, MappingReport } from './mapping/types.js';
import { mapToChip } from './mapping.js';
import { countOps, type OpsReport } from './ops.js';
import type { NetworkProfile } from './profile.js';

export interface CostOptions {
  /** Chip to map onto (default 'loihi'); null skips mapping. */
  chip?: Chip | string | null;
  mapping?: MappingOptions;
  /** Energy presets; the first is the headline `energyPicojoules` (default ['45nm-fp32']). */
  presets?: (string | EnergyPreset)[];
  /** Name shown in tables (e.g. the checkpoint). */
  label?: string;
}

export interface CostReport {
  label: string;
  ops: OpsReport;
  energy: EnergyEstimate[];
  mapping: MappingReport | null;
}

/** The flat per-sample figures (the CLI's `--json` line). */
export interface CostSummary {
  label: string;
  timeSteps: number;
  denseMACs: number;
  denseSynOps: number;
  effectiveACs: number;
  effectiveMACs: number;
  membraneUpdates: number;
  /** Total energy per sample under the first preset. */
  energyPicojoules: number;
  energyPreset: string;
  /** Total per sample under every preset. */
  energy: Record<string, number>;
  /** The same network as a dense ANN, compute only, first preset. */
  denseANNPicojoules: number;
  nonzeroWeights: number;
  weights: number;
  connectionSparsity: number;
  activationSparsity: number;
  chip: string | null;
  cores: number | null;
  chips: number | null;
  bindingLimit: string | null;
}

export function estimateCost(profile: NetworkProfile, options: CostOptions = {}): CostReport {
  const ops = countOps(profile);
  const presets = options.presets?.length ? options.presets : [DEFAULT_ENERGY_PRESET];
  const chip = options.chip === undefined ? 'loihi' : options.chip;
  return {
    label: options.label ?? String(profile.meta?.name ?? 'network'),
    ops,
    energy: presets.map((p) => estimateEnergy(ops, p)),
    mapping: chip === null ? null : mapToChip(profile, chip, options.mapping),
  };
}

export function summarizeCost(report: CostReport): CostSummary {
  const t = report.ops.total;
  const first = report.energy[0];
  return {
    label: report.label,
    timeSteps: report.ops.timeSteps,
    denseMACs: t.denseMACs,
    denseSynOps: t.denseSynOps,
    effectiveACs: t.effectiveACs,
    effectiveMACs: t.effectiveMACs,
    membraneUpdates: t.membraneUpdates,
    energyPicojoules: first.totalPJ,
    energyPreset: first.preset,
    energy: Object.fromEntries(report.energy.map((e) => [e.preset, e.totalPJ])),
    denseANNPicojoules: first.denseANNComputePJ,
    nonzeroWeights: t.nonzeroWeights,
    weights: t.weights,
    connectionSparsity: t.connectionSparsity,
    activationSparsity: t.activationSparsity,
    chip: report.mapping?.chip ?? null,
    cores: report.mapping?.cores ?? null,
    chips: report.mapping?.chips ?? null,
    bindingLimit: report.mapping?.bindingLimit ?? null,
  };
}

/** 3 significant digits with k/M/G/T suffixes; integers below 10 000 verbatim. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a < 10_000) return Number.isInteger(n) ? String(n) : a >= 100 ? n.toFixed(0) : n.toPrecision(3);
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [v, s] of units) if (a >= v) return `${(n / v).toPrecision(3)}${s}`;
  return String(n);
}

/** Energy with a unit that keeps it readable (pJ, nJ, µJ, mJ). */
export function formatEnergy(pj: number): string {
  const units: [number, string][] = [
    [1e9, 'mJ'],
    [1e6, 'µJ'],
    [1e3, 'nJ'],
  ];
  for (const [v, s] of units) if (Math.abs(pj) >= v) return `${(pj / v).toPrecision(3)} ${s}`;
  return `${pj.toPrecision(3)} pJ`;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function table(rows: string[][], rightAlignFrom = 1): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c >= rightAlignFrom ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export interface FormatOptions {
  /** 'text' (default) or 'json' (one line). */
  format?: 'text' | 'json';
}

export function formatCostReport(report: CostReport, options: FormatOptions = {}): string {
  if (options.format === 'json') return JSON.stringify(summarizeCost(report));
  const m = report.mapping;
  const header = [
    'layer',
    'kind',
    'input',
    'dense MACs',
    'eff. ACs',
    'eff. MACs',
    'membrane upd.',
    'act. sparsity',
    'conn. sparsity',
  ];
  if (m) header.push('cores', 'bound by');
  const rows = [header];
  report.ops.layers.forEach((l, i) => {
    const row = [
      l.name,
      l.kind,
      l.input,
      formatCount(l.denseMACs),
      formatCount(l.effectiveACs),
      formatCount(l.effectiveMACs),
      formatCount(l.membraneUpdates),
      pct(l.activationSparsity),
      pct(l.connectionSparsity),
    ];
    if (m) row.push(String(m.layers[i].cores), m.layers[i].bindingLimit ?? '-');
    rows.push(row);
  });
  const t = report.ops.total;
  const total = [
    'total',
    '',
    '',
    formatCount(t.denseMACs),
    formatCount(t.effectiveACs),
    formatCount(t.effectiveMACs),
    formatCount(t.membraneUpdates),
    pct(t.activationSparsity),
    pct(t.connectionSparsity),
  ];
  if (m) total.push(String(m.cores), m.bindingLimit ?? '-');
  rows.push(total);
  const lines = [`${report.label}: per sample, T = ${report.ops.timeSteps}`, table(rows, 3), ''];
  for (const e of report.energy) {
    const parts = [`compute ${formatEnergy(e.computePJ)}`];
    if (e.neuronPJ) parts.push(`neurons ${formatEnergy(e.neuronPJ)}`);
    if (e.memoryPJ) parts.push(`memory ${formatEnergy(e.memoryPJ)}`);
    lines.push(
      `energy ${e.preset}: ${formatEnergy(e.totalPJ)} per sample (${parts.join(', ')}); dense ANN compute ${formatEnergy(e.denseANNComputePJ)}`,
    );
  }
  if (m) {
    const u = m.meanUtilisation;
    const util = [`neurons ${pct(u.neurons)}`];
    if (u.inputAxons !== null) util.push(`input axons ${pct(u.inputAxons)}`);
    if (u.outputAxons !== null) util.push(`output axons ${pct(u.outputAxons)}`);
    if (u.synapseMemory !== null) util.push(`synapse memory ${pct(u.synapseMemory)}`);
    const split = m.layers.reduce((s, l) => s + l.splitNeurons, 0);
    const relayed = m.layers.reduce((s, l) => s + l.relayedNeurons, 0);
    const relays = m.layers.reduce((s, l) => s + l.relayCores, 0);
    lines.push(
      `chip ${m.chip}: ${m.cores} cores on ${m.chips} chip${m.chips === 1 ? '' : 's'} (chips bound by ${m.chipsBoundBy}); binding limit: ${m.bindingLimit ?? 'none'}; mean utilisation: ${util.join(', ')}${split ? `; ${split} neurons split into partial sums` : ''}${relayed ? `; ${relayed} neurons routed through ${relays} relay cores` : ''}`,
    );
  }
  return lines.join('\n');
}

export interface CostComparison {
  a: CostSummary;
  b: CostSummary;
  /** 1 − b/a for each figure where less is better (positive = b saves). */
  savings: Record<string, number | null>;
}

const SAVED = [
  'denseMACs',
  'effectiveACs',
  'effectiveMACs',
  'membraneUpdates',
  'energyPicojoules',
  'nonzeroWeights',
  'cores',
  'chips',
] as const;

export function compareCosts(a: CostReport, b: CostReport): CostComparison {
  const sa = summarizeCost(a);
  const sb = summarizeCost(b);
  const saving = (x: number | null, y: number | null) =>
    x === null || y === null || x === 0 ? null : 1 - y / x;
  const savings: Record<string, number | null> = {};
  for (const k of SAVED) savings[k] = saving(sa[k], sb[k]);
  for (const p of Object.keys(sa.energy))
    if (p in sb.energy) savings[`energy:${p}`] = saving(sa.energy[p], sb.energy[p]);
  return { a: sa, b: sb, savings };
}

/** Two reports side by side with the saving of the second against the first. */
export function formatComparison(a: CostReport, b: CostReport, options: FormatOptions = {}): string {
  const c = compareCosts(a, b);
  if (options.format === 'json') return JSON.stringify(c);
  const s = (k: string) => {
    const v = c.savings[k];
    if (v === null || v === undefined) return '-';
    return `${pct(v)}${v !== 0 && v < 1 ? ` (${(1 / (1 - v)).toPrecision(3)}x)` : ''}`;
  };
  const rows: string[][] = [['per sample', c.a.label, c.b.label, 'saving']];
  const add = (name: string, x: string, y: string, key: string | null) =>
    rows.push([name, x, y, key ? s(key) : '']);
  add('dense MACs', formatCount(c.a.denseMACs), formatCount(c.b.denseMACs), 'denseMACs');
  add('effective ACs', formatCount(c.a.effectiveACs), formatCount(c.b.effectiveACs), 'effectiveACs');
  add('effective MACs', formatCount(c.a.effectiveMACs), formatCount(c.b.effectiveMACs), 'effectiveMACs');
  add(
    'membrane updates',
    formatCount(c.a.membraneUpdates),
    formatCount(c.b.membraneUpdates),
    'membraneUpdates',
  );
  add('nonzero weights', formatCount(c.a.nonzeroWeights), formatCount(c.b.nonzeroWeights), 'nonzeroWeights');
  add('connection sparsity', pct(c.a.connectionSparsity), pct(c.b.connectionSparsity), null);
  add('activation sparsity', pct(c.a.activationSparsity), pct(c.b.activationSparsity), null);
  for (const p of Object.keys(c.a.energy)) {
    if (p in c.b.energy)
      add(`energy ${p}`, formatEnergy(c.a.energy[p]), formatEnergy(c.b.energy[p]), `energy:${p}`);
  }
  if (c.a.cores !== null && c.b.cores !== null) {
    add(`${c.a.chip} cores`, String(c.a.cores), String(c.b.cores), 'cores');
    add(`${c.a.chip} chips`, String(c.a.chips), String(c.b.chips), 'chips');
    add('binding limit', c.a.bindingLimit ?? '-', c.b.bindingLimit ?? '-', null);
  }
  return table(rows);
}
