import type { EpochMetrics, SpikingModel } from '@synaptogen/nn';
import type { BackendInfo } from '@synaptogen/nn/backend';
import { type LearnerReport, measureConnectivity } from '@synaptogen/structure';
import type { RunMemory } from './memory.js';
import type { RunState } from './run-state.js';

export interface TrainSummary {
  dataset: string;
  model: string;
  learner: string;
  backend: string;
  /** The backend and the kernels the run used (`synaptogen doctor` shows the same). */
  engine: BackendInfo;
  epochs: number;
  testAccuracy: number | null;
  testLoss: number | null;
  trainLoss: number | null;
  learnerOptions: Record<string, unknown>;
  /** Measured on the final weights (|w| ≥ 1e-10), globally and per prunable layer. */
  connectivity: number;
  connectivityPerLayer: Record<string, number>;
  /** Connections pruned / regrown over all epochs, as the learner reported them. */
  pruned: number;
  regrown: number;
  /** Extra fields of the learner's last report (SCA: channelsKept, channels per layer...). */
  learnerReport: Record<string, unknown>;
  trainSeconds: number;
  samplesPerSecond: number;
  checkpoint: string;
  /** The wasm heap estimated up front and the size it reached (null where not measured). */
  memory: RunMemory;
  history: EpochMetrics[];
}

/** Layer name → fraction of its synapses present, as the epoch lines and the JSON summary show it. */
export function perLayerConnectivity(report: Pick<LearnerReport, 'perLayer'>): Record<string, number> {
  return Object.fromEntries(Object.entries(report.perLayer).map(([k, v]) => [k, v.connectivity]));
}

const REPORT_KEYS = new Set(['connectivity', 'perLayer', 'pruned', 'regrown']);

/** The fields of a learner's report beyond the contract's four. */
export function reportExtras(r: LearnerReport): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).filter(([k]) => !REPORT_KEYS.has(k)));
}

/** The metrics every epoch has; anything else in an epoch's metrics came from the learner. */
const STANDARD_METRICS = new Set([
  'epoch',
  'lr',
  'trainLoss',
  'trainAccuracy',
  'trainSamples',
  'trainSeconds',
  'testLoss',
  'testAccuracy',
  'testSamples',
  'connectivity',
  'connectivityPerLayer',
  'pruned',
  'regrown',
  'resumedAfterBatches',
  'firingRates',
]);

/** Adds the learner's report of the epoch to its metrics. */
export function recordLearnerReport(m: EpochMetrics, r: LearnerReport): void {
  m.connectivity = r.connectivity;
  m.connectivityPerLayer = perLayerConnectivity(r);
  m.pruned = r.pruned;
  m.regrown = r.regrown;
  for (const [k, v] of Object.entries(reportExtras(r))) if (!(k in m)) m[k] = v;
}

const formatValue = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : JSON.stringify(v);

/** The line printed after each epoch. */
export function epochLine(m: EpochMetrics, epochs: number): string {
  const perLayer = Object.entries((m.connectivityPerLayer ?? {}) as Record<string, number>)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(', ');
  const extras = Object.entries(m)
    .filter(([k]) => !STANDARD_METRICS.has(k))
    .map(([k, v]) => `${k} ${formatValue(v)}  `)
    .join('');
  return (
    `epoch ${m.epoch}/${epochs}  train loss ${m.trainLoss.toFixed(5)}  train acc ${(100 * m.trainAccuracy).toFixed(2)}%  ` +
    `test acc ${(100 * (m.testAccuracy ?? Number.NaN)).toFixed(2)}%  connectivity ${Number(m.connectivity).toFixed(4)} (${perLayer})  ` +
    `pruned ${m.pruned} regrown ${m.regrown}  ${extras}` +
    `${m.trainSeconds.toFixed(1)} s (${(m.trainSamples / m.trainSeconds).toFixed(0)} samples/s)`
  );
}

/** The `--json` summary of a finished run. */
export function summarize(
  state: RunState,
  model: SpikingModel,
  learner: { name: string; options: Record<string, unknown> },
  engine: BackendInfo,
  checkpoint: string,
  memory: RunMemory,
): TrainSummary {
  const o = state.options;
  const last = state.history.at(-1);
  const conn = measureConnectivity(model.prunableWeights());
  const samples = state.history.reduce((a, m) => a + m.trainSamples, 0);
  return {
    dataset: o.dataset,
    model: o.model,
    learner: learner.name,
    learnerOptions: { ...learner.options },
    backend: engine.backend,
    engine,
    epochs: state.completedEpochs,
    testAccuracy: last?.testAccuracy ?? null,
    testLoss: last?.testLoss ?? null,
    trainLoss: last?.trainLoss ?? null,
    connectivity: conn.connectivity,
    connectivityPerLayer: perLayerConnectivity(conn),
    pruned: state.history.reduce((a, m) => a + Number(m.pruned ?? 0), 0),
    regrown: state.history.reduce((a, m) => a + Number(m.regrown ?? 0), 0),
    learnerReport: last
      ? Object.fromEntries(Object.entries(last).filter(([k]) => !STANDARD_METRICS.has(k)))
      : {},
    trainSeconds: state.trainSeconds,
    samplesPerSecond: state.trainSeconds ? samples / state.trainSeconds : 0,
    checkpoint,
    memory,
    history: state.history,
  };
}
