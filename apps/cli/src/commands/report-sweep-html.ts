import { energy, esc, layerNote, pct, STYLE, scriptJson, table, uplotAssets } from './report-html.js';
import type { SweepGroup, SweepReportData } from './report-sweep-data.js';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const REFERENCE_COLORS = ['#555555', '#b8860b', '#008b8b', '#8b008b'];
/** Settings whose per-layer connectivity is drawn: the Pareto front, at most this many. */
const MAX_CHOSEN = 8;

export interface PlotSeries {
  label: string;
  color: string;
  /** seeds: one mark per point; means: the seed means joined by a line; pareto: the front; reference: marks. */
  kind: 'seeds' | 'means' | 'pareto' | 'reference';
  values: (number | null)[];
}

/** The accuracy–connectivity plot as uPlot's aligned data: one x per mark, in connectivity order. */
export interface MainPlot {
  xs: number[];
  series: PlotSeries[];
  /** Seed ranges (min–max of accuracy and of connectivity) around each setting's mean. */
  whiskers: {
    color: string;
    connectivity: SweepGroup['connectivity'];
    testAccuracy: SweepGroup['testAccuracy'];
  }[];
  /** Where each finished point is: series (1-based, as uPlot counts) and index into xs. */
  marks: { id: string; series: number; index: number }[];
}

export function mainPlot(d: SweepReportData): MainPlot {
  const methods = [...new Set(d.points.map((p) => p.method))];
  const color = (m: string) => COLORS[methods.indexOf(m) % COLORS.length];
  const series: Omit<PlotSeries, 'values'>[] = [];
  const entries: { series: number; x: number; y: number; id?: string }[] = [];
  for (const m of methods) {
    const seeds = series.push({ label: `${m} (each seed)`, color: color(m), kind: 'seeds' }) - 1;
    for (const p of d.points.filter((q) => q.method === m))
      entries.push({ series: seeds, x: p.connectivity, y: p.testAccuracy, id: p.id });
    const groups = d.groups.filter((g) => g.method === m);
    if (groups.some((g) => g.seeds > 1) || groups.length > 1) {
      const means = series.push({ label: `${m} (mean of seeds)`, color: color(m), kind: 'means' }) - 1;
      for (const g of groups) entries.push({ series: means, x: g.connectivity.mean, y: g.testAccuracy.mean });
    }
  }
  const front = d.groups.filter((g) => g.pareto);
  if (front.length > 1) {
    const s = series.push({ label: 'Pareto front', color: '#000000', kind: 'pareto' }) - 1;
    for (const g of front) entries.push({ series: s, x: g.connectivity.mean, y: g.testAccuracy.mean });
  }
  const families = [...new Set(d.references.filter((r) => r.placedAccuracy !== null).map((r) => r.family))];
  families.forEach((f, i) => {
    const s =
      series.push({ label: f, color: REFERENCE_COLORS[i % REFERENCE_COLORS.length], kind: 'reference' }) - 1;
    for (const r of d.references.filter((x) => x.family === f && x.placedAccuracy !== null))
      entries.push({ series: s, x: r.connectivity, y: r.placedAccuracy! });
  });
  entries.sort((a, b) => a.x - b.x);
  return {
    xs: entries.map((e) => e.x),
    series: series.map((s, i) => ({ ...s, values: entries.map((e) => (e.series === i ? e.y : null)) })),
    whiskers: d.groups
      .filter((g) => g.seeds > 1)
      .map((g) => ({ color: color(g.method), connectivity: g.connectivity, testAccuracy: g.testAccuracy })),
    marks: entries.flatMap((e, index) => (e.id ? [{ id: e.id, series: e.series + 1, index }] : [])),
  };
}

/** The Pareto-front settings (fewest connections first) whose per-layer connectivity is drawn. */
export const chosenGroups = (d: SweepReportData) =>
  d.groups
    .filter((g) => g.pareto)
    .sort((a, b) => a.connectivity.mean - b.connectivity.mean)
    .slice(0, MAX_CHOSEN);

/** Draws the plots from the embedded data (runs in the report page). */
const PLOT_SCRIPT = `
(function () {
  var d = JSON.parse(document.getElementById('report-data').textContent);
  var P = d.plot, drawn = 0;
  function pct(v, digits) {
    if (v == null) return '–';
    var p = 100 * v;
    return (digits != null ? p.toFixed(digits) : String(Number(p >= 1 ? p.toFixed(1) : p.toPrecision(2)))) + '%';
  }
  // axis ticks: uPlot leaves crowded log ticks unlabelled (null)
  function ticks(u, t) { return t.map(function (v) { return v == null ? '' : pct(v); }); }
  var noLine = function () { return null; };
  var el = document.getElementById('plot-sweep');
  var ys = [];
  P.series.forEach(function (s) { s.values.forEach(function (v) { if (v != null) ys.push(v); }); });
  var lo = Math.min.apply(null, ys), hi = Math.max.apply(null, ys), pad = Math.max(0.01, 0.08 * (hi - lo));
  var xlo = Math.min.apply(null, P.xs), xhi = Math.max.apply(null, P.xs);
  var u = new uPlot({
    width: Math.max(480, el.clientWidth), height: 440,
    cursor: { points: { size: 10 } },
    scales: {
      x: { time: false, distr: 3, log: 10, range: function () { return [xlo / 1.6, Math.min(1.25, xhi * 1.6)]; } },
      y: { range: function () { return [Math.max(0, lo - pad), Math.min(1, hi + pad)]; } }
    },
    axes: [
      { label: 'connectivity (fraction of synapses kept, log scale)', values: ticks },
      { label: 'test accuracy', values: ticks, size: 60 }
    ],
    series: [{ label: 'connectivity', value: function (u, v) { return pct(v, 3); } }].concat(P.series.map(function (s) {
      var big = s.kind === 'means' ? 9 : s.kind === 'reference' ? 9 : 7;
      return {
        label: s.label, stroke: s.color, spanGaps: true,
        width: s.kind === 'means' ? 2 : s.kind === 'pareto' ? 1.5 : 0,
        dash: s.kind === 'pareto' ? [6, 4] : undefined,
        paths: s.kind === 'seeds' || s.kind === 'reference' ? noLine : undefined,
        points: { show: s.kind !== 'pareto', size: big, width: s.kind === 'reference' ? 2 : 1,
          fill: s.kind === 'reference' ? '#ffffff' : s.kind === 'means' ? '#ffffff' : s.color, stroke: s.color },
        value: function (u, v) { return pct(v, 2); }
      };
    })),
    hooks: { draw: [function (u) {
      var ctx = u.ctx, r = devicePixelRatio || 1;
      ctx.save();
      ctx.beginPath(); ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height); ctx.clip();
      P.whiskers.forEach(function (w) {
        var x = u.valToPos(w.connectivity.mean, 'x', true), y = u.valToPos(w.testAccuracy.mean, 'y', true);
        var x0 = u.valToPos(w.connectivity.min, 'x', true), x1 = u.valToPos(w.connectivity.max, 'x', true);
        var y0 = u.valToPos(w.testAccuracy.min, 'y', true), y1 = u.valToPos(w.testAccuracy.max, 'y', true);
        ctx.strokeStyle = w.color; ctx.lineWidth = 1.5 * r; ctx.beginPath();
        ctx.moveTo(x, y0); ctx.lineTo(x, y1); ctx.moveTo(x - 4 * r, y0); ctx.lineTo(x + 4 * r, y0); ctx.moveTo(x - 4 * r, y1); ctx.lineTo(x + 4 * r, y1);
        ctx.moveTo(x0, y); ctx.lineTo(x1, y); ctx.moveTo(x0, y - 4 * r); ctx.lineTo(x0, y + 4 * r); ctx.moveTo(x1, y - 4 * r); ctx.lineTo(x1, y + 4 * r);
        ctx.stroke();
      });
      ctx.restore();
    }] }
  }, [P.xs].concat(P.series.map(function (s) { return s.values; })), el);
  el.dataset.plotted = 'true';
  window.sweepPlot = u;
  drawn++;

  var layerEl = document.getElementById('plot-layers');
  if (layerEl && d.layers.length && d.chosen.length) {
    var lx = d.layers.map(function (k, i) { return i; });
    new uPlot({
      width: Math.max(480, layerEl.clientWidth), height: 300,
      scales: { x: { time: false, range: [-0.3, d.layers.length - 0.7] }, y: { distr: 3, log: 10 } },
      axes: [
        { label: 'layer', incrs: [1], values: function (u, t) { return t.map(function (i) { return d.layers[i] || ''; }); } },
        { label: 'connectivity (log scale)', values: ticks, size: 60 }
      ],
      series: [{ label: 'layer', value: function (u, i) { return d.layers[i] || ''; } }].concat(d.chosen.map(function (g, i) {
        return { label: g.method + ' ' + g.setting, stroke: ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'][i % 8], width: 2,
          points: { show: true, size: 7 }, value: function (u, v) { return pct(v, 2); } };
      }))
    }, [lx].concat(d.chosen.map(function (g) { return d.layers.map(function (k) { return g.perLayer[k] == null ? null : g.perLayer[k]; }); })), layerEl);
    layerEl.dataset.plotted = 'true';
    drawn++;
  }
  document.body.dataset.plots = String(drawn);
})();
`;

const range = (r: { mean: number; min: number; max: number }, f: (v: number) => string) =>
  r.min === r.max ? f(r.mean) : `${f(r.mean)} (${f(r.min)}–${f(r.max)})`;

/** The sweep report: accuracy vs connectivity per method with seed ranges, the Pareto front, per-layer connectivity, costs, references. */
export function renderSweepReport(d: SweepReportData): string {
  const { js, css } = uplotAssets();
  const plot = mainPlot(d);
  const chosen = chosenGroups(d);
  const front = d.groups.filter((g) => g.pareto);
  const best = d.points.length ? Math.max(...d.points.map((p) => p.testAccuracy)) : null;
  const cards: [string, string][] = [
    ['points finished', `${d.points.length} / ${d.points.length + d.unfinished.length}`],
    ['methods', String(new Set(d.points.map((p) => p.method)).size)],
    ['best test accuracy', pct(best)],
    ['Pareto-front settings', String(front.length)],
    ['dataset', d.datasets.join(', ')],
    ['model', d.models.join(', ')],
  ];
  const pointRows = [...d.points]
    .sort((a, b) => a.method.localeCompare(b.method) || a.connectivity - b.connectivity)
    .map((p) => [
      p.method,
      p.setting || '–',
      p.seed ?? '–',
      pct(p.testAccuracy),
      pct(p.connectivity, 3),
      ...d.layers.map((k) => pct(p.perLayer[k], 3)),
      p.energyPicojoules === null ? '–' : energy(p.energyPicojoules),
      p.cores === null ? '–' : `${p.cores} (${p.chip})`,
      p.epochs,
      p.trainSeconds.toFixed(1),
      p.resumedFrom.epoch || p.resumedFrom.batches
        ? `epoch ${p.resumedFrom.epoch}${p.resumedFrom.batches ? ` + ${p.resumedFrom.batches} batches` : ''}`
        : '–',
      p.dir.split('/').at(-1)!,
    ]);
  const groupRows = [...d.groups]
    .sort((a, b) => a.method.localeCompare(b.method) || a.connectivity.mean - b.connectivity.mean)
    .map((g) => [
      g.method,
      g.setting || '–',
      g.seeds,
      range(g.testAccuracy, (v) => pct(v)),
      range(g.connectivity, (v) => pct(v, 3)),
      g.pareto ? 'yes' : '',
      g.energyPicojoules === null ? '–' : energy(g.energyPicojoules),
      g.cores ?? '–',
    ]);
  const references = d.references.length
    ? `<h2>Reference marks</h2>
${table(
  ['from', 'point', 'test accuracy', 'connectivity', 'source'],
  d.references.map((r) => [
    r.family,
    r.label,
    r.testAccuracy !== undefined
      ? pct(r.testAccuracy)
      : `${(100 * r.accuracyDelta!).toFixed(1)} points vs dense${r.placedAccuracy === null ? ' (not drawn: this sweep has no dense point)' : ''}`,
    pct(r.connectivity, 2),
    r.source,
  ]),
  'references-table',
)}
<p class="note">Reference marks were measured under their own setup (model, epochs, training samples), named in each row; they show where a method lands, not a like-for-like comparison.</p>`
    : '';
  const unfinished = d.unfinished.length
    ? `<h2>Unfinished points</h2>${table(
        ['status', 'options', 'message', 'directory'],
        d.unfinished.map((u) => [
          u.status,
          Object.entries(u.params)
            .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
            .join(' '),
          u.message ?? '',
          u.dir,
        ]),
        'unfinished-table',
      )}`
    : '';
  const data = { ...d, plot, chosen };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>synaptogen sweep report · ${esc(d.title)}</title>
<style>${css}</style><style>${STYLE}</style></head>
<body>
<h1>Sweep ${esc(d.title)}</h1>
<p class="sub">${esc(d.sweepDir)} · started ${esc(d.createdAt)}</p>
<div class="cards">${cards.map(([k, v]) => `<div class="card">${esc(k)}<b>${esc(v)}</b></div>`).join('')}</div>
<h2>Accuracy vs connectivity</h2>
<figure><figcaption>test accuracy against connectivity (log scale): every point, the mean of each setting's seeds with its seed range (whiskers: min–max), the Pareto front of the means, and reference marks</figcaption><div id="plot-sweep"></div></figure>
<h2>Settings (mean over seeds)</h2>
${table(['method', 'setting', 'seeds', 'test accuracy (range)', 'connectivity (range)', 'Pareto front', 'energy / sample', 'cores'], groupRows, 'groups-table')}
<h2>Per-layer connectivity of the Pareto-front settings</h2>
${chosen.length && d.layers.length ? '<figure><figcaption>connectivity of each layer (mean over seeds, log scale)</figcaption><div id="plot-layers"></div></figure>' : '<p class="note">No per-layer connectivity recorded.</p>'}
${layerNote(d.layerNames)}
<h2>Points</h2>
${table(['method', 'setting', 'seed', 'test acc.', 'connectivity', ...d.layers.map((k) => `conn. ${k}`), 'energy / sample', 'cores (chip)', 'epochs', 'train s', 'resumed from', 'directory'], pointRows, 'points-table')}
<p class="note">Energy per sample and cores: <code>synaptogen cost</code> of each finished point (first energy preset; cores on the point's chip, loihi by default). The same table is in report.csv and report.json beside this page.</p>
${references}
${unfinished}
<p class="note">Written by synaptogen report from ${esc(d.sweepDir)}. Self-contained: plots by uPlot (MIT), inlined.</p>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${js}</script>
<script>${PLOT_SCRIPT}</script>
</body></html>
`;
}
