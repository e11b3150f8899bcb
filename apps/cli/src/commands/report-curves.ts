/**
 * The step-level parts of a run for `synaptogen report`: the per-step curve (`meta.run.curve` written by
 * `synaptogen train`, `meta.evals` written by the browser demo), the firing rate of every spiking layer
 * (`firingRates` of each epoch), and the headline figures when a run has no finished epoch yet.
 */

/** One point by optimizer step; a field is null where that source does not record it. */
export interface CurveRow {
  step: number;
  /** Epochs done, fractional. */
  epochs: number | null;
  trainLoss: number | null;
  trainAccuracy: number | null;
  /** Test accuracy at this step (the demo evaluates every few steps; train evaluates per epoch). */
  testAccuracy: number | null;
  connectivity: number | null;
}

/** Spikes per neuron and time step of one spiking layer after the last epoch that measured them. */
export interface RateRow {
  layer: string;
  rate: number;
  /** The network's output layer (its rates are the class scores). */
  output: boolean;
}

/** What the cards show: the last finished epoch, else the last step-level evaluation (a demo run stopped early). */
export interface Headline {
  testAccuracy: number | null;
  connectivity: number | null;
  /** Epochs trained, fractional for a run stopped mid-epoch. */
  epochs: number;
  step: number | null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const rows = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => Boolean(x) && typeof x === 'object') : [];

/** The per-step curve of the CLI's `meta.run.curve` and the demo's `meta.evals`, merged by step. */
export function readCurve(meta: Record<string, any> | undefined): CurveRow[] {
  const byStep = new Map<number, CurveRow>();
  const row = (step: number): CurveRow => {
    let r = byStep.get(step);
    if (!r) {
      r = {
        step,
        epochs: null,
        trainLoss: null,
        trainAccuracy: null,
        testAccuracy: null,
        connectivity: null,
      };
      byStep.set(step, r);
    }
    return r;
  };
  for (const p of rows(meta?.run?.curve)) {
    const step = num(p.step);
    if (step === null) continue;
    const r = row(step);
    r.epochs = num(p.epochs);
    r.trainLoss = num(p.trainLoss);
    r.trainAccuracy = num(p.trainAccuracy);
    r.connectivity = num(p.connectivity);
  }
  for (const e of rows(meta?.evals)) {
    const step = num(e.step);
    if (step === null) continue;
    const r = row(step);
    r.epochs = r.epochs ?? num(e.epochs);
    r.testAccuracy = num(e.accuracy);
    r.connectivity = r.connectivity ?? num(e.connectivity);
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** Firing rates of the last epoch that recorded them (`{ layers, output }` per epoch metrics). */
export function readFiringRates(
  history: Record<string, unknown>[],
): { epoch: number; rates: RateRow[] } | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const f = history[i].firingRates as { layers?: Record<string, unknown>; output?: unknown } | undefined;
    if (!f?.layers || typeof f.layers !== 'object') continue;
    const rates = Object.entries(f.layers)
      .map(([layer, rate]) => ({ layer, rate: num(rate), output: layer === f.output }))
      .filter((r): r is RateRow => r.rate !== null);
    if (rates.length) return { epoch: num(history[i].epoch) ?? i + 1, rates };
  }
  return null;
}

/** Cards of a run: its last epoch; a run without a finished epoch (a demo download) shows its last evaluation. */
export function headline(
  history: { testAccuracy: number | null; connectivity: number | null }[],
  curve: CurveRow[],
  run: Record<string, unknown> | undefined,
): Headline {
  const last = history.at(-1);
  const lastTest = [...curve].reverse().find((c) => c.testAccuracy !== null);
  const lastConn = [...curve].reverse().find((c) => c.connectivity !== null);
  const step = num(run?.step) ?? curve.at(-1)?.step ?? null;
  const fraction = curve.at(-1)?.epochs ?? null;
  return {
    testAccuracy: last?.testAccuracy ?? lastTest?.testAccuracy ?? null,
    connectivity: last?.connectivity ?? lastConn?.connectivity ?? null,
    epochs: Math.max(history.length, fraction ?? 0),
    step,
  };
}
