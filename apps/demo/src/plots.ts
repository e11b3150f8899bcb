import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** Points the legend at each series' last non-empty value. */
function showLatest(u: uPlot): void {
  const idxs = u.data.map((s) => {
    for (let k = s.length - 1; k >= 0; k--) if (s[k] != null) return k;
    return null;
  });
  u.setLegend({ idxs }, false);
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/**
 * A live line plot over optimizer steps: series are created on first sight of their name, points
 * are appended, and redraws are coalesced to one per animation frame. The point count is mirrored
 * in `data-points` on the container (read by the end-to-end test).
 */
export class LivePlot {
  private plot: uPlot | null = null;
  private names: string[] = [];
  private x: number[] = [];
  private ys: (number | null)[][] = [];
  private frame = 0;

  constructor(
    private readonly el: HTMLElement,
    private readonly options: { yLabel: string; yRange?: [number, number]; percent?: boolean },
  ) {
    el.dataset.points = '0';
  }

  get points(): number {
    return this.x.length;
  }

  reset(): void {
    this.plot?.destroy();
    this.plot = null;
    this.names = [];
    this.x = [];
    this.ys = [];
    this.el.dataset.points = '0';
  }

  add(step: number, values: Record<string, number>): void {
    const newNames = Object.keys(values).filter((n) => !this.names.includes(n));
    for (const n of newNames) {
      this.names.push(n);
      this.ys.push(this.x.map(() => null));
    }
    if (newNames.length) {
      this.plot?.destroy();
      this.plot = null;
    }
    this.x.push(step);
    this.names.forEach((n, i) => {
      this.ys[i].push(values[n] ?? null);
    });
    this.el.dataset.points = String(this.x.length);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.draw());
  }

  private draw(): void {
    this.frame = 0;
    const data = [this.x, ...this.ys] as uPlot.AlignedData;
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    const { yLabel, yRange, percent } = this.options;
    const fmt = (v: number | null) =>
      v == null ? '–' : percent ? `${(100 * v).toFixed(1)}%` : v.toPrecision(4);
    this.plot = new uPlot(
      {
        width: Math.max(280, this.el.clientWidth),
        height: 200,
        scales: { x: { time: false }, y: yRange ? { range: yRange } : {} },
        // without a cursor the legend shows each series' latest value (uPlot's default is "--")
        hooks: {
          ready: [showLatest],
          setData: [showLatest],
          setCursor: [(u) => u.cursor.idx == null && showLatest(u)],
        },
        axes: [
          { label: 'step' },
          {
            label: yLabel,
            values: (_u, ticks) => ticks.map((t) => (percent ? `${Math.round(100 * t)}%` : String(t))),
          },
        ],
        series: [
          { label: 'step' },
          ...this.names.map((label, i) => ({
            label,
            stroke: COLORS[i % COLORS.length],
            width: 1.5,
            spanGaps: true,
            points: { show: this.x.length < 60 },
            value: (_u: uPlot, v: number | null) => fmt(v),
          })),
        ],
      },
      data,
      this.el,
    );
  }
}
