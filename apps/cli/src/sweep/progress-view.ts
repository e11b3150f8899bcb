import cliProgress from 'cli-progress';
import type { SweepPoint } from './points.js';
import type { PointOutcome, PointProgress } from './run-point.js';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const pct = (v: number | null | undefined) => (v == null ? '–' : `${(100 * v).toFixed(2)}%`);

/**
 * A sweep's progress on stderr. On a terminal: one bar per running point and a top line with the
 * sweep's ETA; otherwise one line when a point starts, finishes an epoch and ends.
 */
export class SweepProgress {
  private readonly started = Date.now();
  private readonly running = new Map<string, { fraction: number; bar?: cliProgress.SingleBar }>();
  private finished = 0;
  private readonly multi: cliProgress.MultiBar | null;
  private readonly overall: cliProgress.SingleBar | null;

  constructor(
    private readonly total: number,
    private readonly o: { tty: boolean; write: (line: string) => void },
  ) {
    this.multi = o.tty
      ? new cliProgress.MultiBar(
          {
            stream: process.stderr,
            hideCursor: true,
            clearOnComplete: false,
            format: '{label} {bar} {percentage}% | {info}',
            barsize: 20,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
    this.overall = this.multi?.create(100, 0, { label: 'sweep'.padEnd(32), info: '' }) ?? null;
  }

  /** Sweep-wide fraction done and ETA from the points finished and the running points' epochs. */
  private eta(): { done: number; eta: string } {
    let units = this.finished;
    for (const r of this.running.values()) units += r.fraction;
    const done = this.total ? units / this.total : 1;
    const elapsed = (Date.now() - this.started) / 1000;
    return { done, eta: done > 0.01 ? formatDuration((elapsed * (1 - done)) / done) : '?' };
  }

  private refreshOverall(): void {
    const { done, eta } = this.eta();
    this.overall?.update(Math.round(100 * done), {
      info: `${this.finished}/${this.total} points, ${this.running.size} running, ETA ${eta}`,
    });
  }

  update(p: PointProgress): void {
    const fraction = p.totalEpochs ? Math.min(1, p.epochs / p.totalEpochs) : 0;
    let r = this.running.get(p.point.id);
    if (!r) {
      r = {
        fraction,
        bar: this.multi?.create(100, 0, { label: p.point.dir.slice(0, 32).padEnd(32), info: '' }),
      };
      this.running.set(p.point.id, r);
      if (!this.multi)
        this.o.write(`start ${p.point.dir}${p.epochs > 0 ? ` (resumes after epoch ${p.epochs})` : ''}`);
    }
    r.fraction = fraction;
    const epochDone = p.testAccuracy !== undefined;
    r.bar?.update(Math.round(100 * fraction), {
      info: `epoch ${Math.min(p.totalEpochs, Math.floor(p.epochs) + (epochDone ? 0 : 1))}/${p.totalEpochs}${epochDone ? ` test acc ${pct(p.testAccuracy)} connectivity ${pct(p.connectivity)}` : ''}`,
    });
    this.refreshOverall();
    if (!this.multi && epochDone) {
      const { eta } = this.eta();
      this.o.write(
        `${p.point.dir} epoch ${p.epochs}/${p.totalEpochs}: test acc ${pct(p.testAccuracy)}, connectivity ${pct(p.connectivity)} · sweep ETA ${eta}`,
      );
    }
  }

  finish(point: SweepPoint, outcome: PointOutcome): void {
    const r = this.running.get(point.id);
    if (r?.bar) this.multi?.remove(r.bar);
    this.running.delete(point.id);
    if (outcome.status !== 'interrupted') this.finished++;
    const line =
      outcome.status === 'done'
        ? `done ${point.dir}: test acc ${pct(outcome.result.testAccuracy)}, connectivity ${pct(outcome.result.connectivity)}`
        : outcome.status === 'failed'
          ? `failed ${point.dir}: ${outcome.failure.message}`
          : `stopped ${point.dir} (checkpoint saved; run the sweep again to continue)`;
    if (this.multi) this.multi.log(`${line}\n`);
    else this.o.write(`${line} · ${this.finished}/${this.total} points`);
    this.refreshOverall();
  }

  stop(): void {
    this.multi?.stop();
  }
}
