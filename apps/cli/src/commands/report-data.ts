import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type CostSummary, estimateCost, parseProfile, summarizeCost } from '@synaptogen/hardware';
import { describeEngine } from '../engine/describe.js';
import { CliError } from '../errors.js';
import {
  type CurveRow,
  type Headline,
  headline,
  type RateRow,
  readCurve,
  readFiringRates,
} from './report-curves.js';
import { layerNames, renameKeys, renamer } from './report-layer-names.js';

/** One epoch of `meta.run.history` as the report plots it. */
export interface EpochRow {
  epoch: number;
  trainLoss: number | null;
  trainAccuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  connectivity: number | null;
  /** Connectivity (active / all) per prunable weight. */
  perLayer: Record<string, number>;
  seconds: number | null;
}

/** Evaluations between epochs (the browser demo records them), by optimizer step. */
export interface StepRow {
  step: number;
  accuracy: number;
  connectivity: number;
}

export interface CostLayerRow {
  name: string;
  kind: string;
  input: string;
  /** Input events / (input positions × steps): the firing rate of the layer feeding it for spiking input. */
  inputRate: number;
  denseMACs: number;
  effectiveACs: number;
  effectiveMACs: number;
  connectionSparsity: number;
}

export interface ReportData {
  title: string;
  runDir: string;
  createdAt: string | null;
  model: { name: string; T: number; inputShape: number[]; classes: number };
  options: Record<string, unknown>;
  learner: string;
  history: EpochRow[];
  steps: StepRow[];
  trainSeconds: number | null;
  /** The engine the run trained on, e.g. "wasm (SIMD, 1 thread) + @synaptogen/wasm-simd (15 kernels, 2 threads)". */
  engine: string | null;
  cost: { source: string; summary: CostSummary; layers: CostLayerRow[] } | null;
  /** Readable layer name → the parameter it stands for (`fc1` → `body.1.weight`). */
  layerNames: Record<string, string>;
  /** By optimizer step: train loss/accuracy and connectivity (train), test accuracy (demo; train per epoch). */
  curve: CurveRow[];
  /** Spikes per neuron and step of each spiking layer, output layer included, after the last epoch. */
  firingRates: { epoch: number; rates: RateRow[] } | null;
  /** The cards: last epoch, else last evaluation (a demo checkpoint downloaded mid-epoch). */
  headline: Headline;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** `{layer: 0.3}` (train command) or `{layer: {connectivity: 0.3, ...}}` (learner reports). */
function perLayerOf(v: unknown): Record<string, number> {
  if (!v || typeof v !== 'object') return {};
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const c = num(x) ?? num((x as { connectivity?: unknown } | null)?.connectivity);
    if (c !== null) out[k] = c;
  }
  return out;
}

export function readManifest(runDir: string): Record<string, any> {
  if (!existsSync(runDir)) throw new CliError(`report: run directory ${runDir} does not exist`, 2);
  if (!statSync(runDir).isDirectory())
    throw new CliError(
      `report: ${runDir} is not a directory (expected a checkpoint directory with manifest.json)`,
      2,
    );
  const file = join(runDir, 'manifest.json');
  if (!existsSync(file))
    throw new CliError(
      `report: ${runDir} has no manifest.json; expected the --out directory of synaptogen train`,
      2,
    );
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`report: ${file} is not valid JSON (${(e as Error).message})`, 2);
  }
  const m = manifest as Record<string, any>;
  if (m?.format !== 'synaptogen-checkpoint')
    throw new CliError(`report: ${file} is not a synaptogen checkpoint manifest (format "${m?.format}")`, 2);
  return m;
}

/** The network profile for costs and firing rates: `--profile`, else the one `*.profile.json` in the run directory. */
function findProfile(runDir: string, explicit?: string): string | null {
  if (explicit) {
    if (!existsSync(explicit)) throw new CliError(`report: --profile ${explicit} does not exist`, 2);
    return explicit;
  }
  const found = readdirSync(runDir).filter((f) => f.endsWith('.profile.json'));
  return found.length ? join(runDir, found.sort()[0]) : null;
}

function costFrom(file: string, rename: (raw: string) => string): ReportData['cost'] {
  let profile: ReturnType<typeof parseProfile>;
  try {
    profile = parseProfile(readFileSync(file, 'utf8'), file);
  } catch (e) {
    throw new CliError(`report: ${(e as Error).message}`, 2);
  }
  const report = estimateCost(profile, { label: basename(file).replace(/\.profile\.json$/, '') });
  return {
    source: file,
    summary: summarizeCost(report),
    layers: report.ops.layers.map((l) => ({
      name: rename(l.name),
      kind: l.kind,
      input: l.input,
      inputRate: l.inputRate,
      denseMACs: l.denseMACs,
      effectiveACs: l.effectiveACs,
      effectiveMACs: l.effectiveMACs,
      connectionSparsity: l.connectionSparsity,
    })),
  };
}

/** Everything the report shows, from a checkpoint directory's manifest (`meta.run`) and an optional profile. */
export function readRun(dir: string, readOptions: { profile?: string } = {}): ReportData {
  const runDir = resolve(dir);
  const m = readManifest(runDir);
  const run = m.meta?.run as Record<string, any> | undefined;
  if (!run || !Array.isArray(run.history))
    throw new CliError(
      `report: ${join(runDir, 'manifest.json')} has no training history (meta.run.history); it was not written by synaptogen train or the demo`,
      2,
    );
  const names = layerNames(m);
  const history: EpochRow[] = run.history.map((h: Record<string, unknown>, i: number) => ({
    epoch: num(h.epoch) ?? i + 1,
    trainLoss: num(h.trainLoss),
    trainAccuracy: num(h.trainAccuracy),
    testLoss: num(h.testLoss),
    testAccuracy: num(h.testAccuracy),
    connectivity: num(h.connectivity),
    perLayer: renameKeys(perLayerOf(h.connectivityPerLayer), names),
    seconds: num(h.trainSeconds),
  }));
  const evals = Array.isArray(m.meta?.evals) ? (m.meta.evals as Record<string, unknown>[]) : [];
  const steps: StepRow[] = evals
    .map((e) => ({ step: num(e.step), accuracy: num(e.accuracy), connectivity: num(e.connectivity) }))
    .filter((e): e is StepRow => e.step !== null && e.accuracy !== null && e.connectivity !== null);
  const options = (run.options ?? {}) as Record<string, unknown>;
  const profile = findProfile(runDir, readOptions.profile);
  const curve = withEpochTests(readCurve(m.meta), history);
  return {
    title: String(m.meta?.name ?? basename(runDir)),
    runDir,
    createdAt: typeof m.createdAt === 'string' ? m.createdAt : null,
    model: {
      name: String(m.model?.name),
      T: Number(m.model?.T),
      inputShape: Array.isArray(m.model?.inputShape) ? m.model.inputShape : [],
      classes: Number(m.model?.classes),
    },
    options,
    learner: String(options.learner ?? (m.meta?.learner as { name?: string } | undefined)?.name ?? 'dense'),
    history,
    steps,
    trainSeconds: num(run.trainSeconds),
    engine: run.engine?.backend ? describeEngine(run.engine) : null,
    cost: profile ? costFrom(profile, renamer(names)) : null,
    layerNames: Object.fromEntries(
      [...names].filter(([raw]) => raw.endsWith('.weight')).map(([raw, readable]) => [readable, raw]),
    ),
    curve,
    firingRates: readFiringRates(run.history),
    headline: headline(history, curve, run),
  };
}

/** Puts each epoch's test accuracy on the curve at the step the epoch ended (train evaluates per epoch). */
function withEpochTests(curve: CurveRow[], history: EpochRow[]): CurveRow[] {
  const ref = curve.find((c) => c.epochs !== null && c.epochs > 0);
  if (!ref || curve.some((c) => c.testAccuracy !== null)) return curve;
  const stepsPerEpoch = ref.step / ref.epochs!;
  const out = [...curve];
  for (const h of history) {
    if (h.testAccuracy === null) continue;
    const step = Math.round(h.epoch * stepsPerEpoch);
    const at = out.find((c) => c.step === step);
    if (at) at.testAccuracy = h.testAccuracy;
    else
      out.push({
        step,
        epochs: h.epoch,
        trainLoss: null,
        trainAccuracy: null,
        testAccuracy: h.testAccuracy,
        connectivity: null,
      });
  }
  return out.sort((a, b) => a.step - b.step);
}
