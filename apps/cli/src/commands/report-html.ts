import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReportData } from './report-data.js';
import { PLOT_FUNCTIONS } from './report-plot.js';

const require = createRequire(import.meta.url);

/** uPlot's browser build and stylesheet, inlined so the report needs no network. */
export function uplotAssets(): { js: string; css: string } {
  return {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

export const esc = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
/** JSON inside <script>: `<` escaped so no string in the data can close the element. */
export const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');
export const pct = (v: number | null | undefined, digits = 2) =>
  v == null ? '–' : `${(100 * v).toFixed(digits)}%`;

export function count(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a < 1e4) return String(Math.round(n));
  for (const [s, d] of [
    ['T', 1e12],
    ['G', 1e9],
    ['M', 1e6],
    ['k', 1e3],
  ] as const)
    if (a >= d) return `${(n / d).toPrecision(3)}${s}`;
  return String(n);
}

/** Picojoules in the unit that keeps 3 significant digits readable. */
export function energy(pj: number): string {
  const units: [string, number][] = [
    ['J', 1e12],
    ['mJ', 1e9],
    ['µJ', 1e6],
    ['nJ', 1e3],
  ];
  for (const [unit, scale] of units)
    if (Math.abs(pj) >= scale) return `${(pj / scale).toPrecision(3)} ${unit}`;
  return `${pj.toPrecision(3)} pJ`;
}

export function table(headers: string[], rows: (string | number)[][], id?: string): string {
  return `<table${id ? ` id="${id}"` : ''}><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** Draws every plot from the embedded data (runs in the report page). */
const PLOT_SCRIPT = `
(function () {
  var d = JSON.parse(document.getElementById('report-data').textContent);
${PLOT_FUNCTIONS}
  var h = d.history, epochs = h.map(function (r) { return r.epoch; });
  function col(k) { return h.map(function (r) { return r[k]; }); }
  plot('plot-accuracy', 'epoch', epochs, [{ label: 'test accuracy', values: col('testAccuracy') }, { label: 'train accuracy', values: col('trainAccuracy') }], { percent: true, range: [0, 1], yLabel: 'accuracy', integerX: true });
  plot('plot-loss', 'epoch', epochs, [{ label: 'test loss', values: col('testLoss') }, { label: 'train loss', values: col('trainLoss') }], { yLabel: 'loss', integerX: true });
  plot('plot-connectivity', 'epoch', epochs, [{ label: 'connectivity', values: col('connectivity') }], { percent: true, range: [0, 1], yLabel: 'connectivity', integerX: true });
  var layers = [];
  h.forEach(function (r) { Object.keys(r.perLayer).forEach(function (k) { if (layers.indexOf(k) < 0) layers.push(k); }); });
  plot('plot-sparsity', 'epoch', epochs, layers.map(function (k) {
    return { label: k, values: h.map(function (r) { return r.perLayer[k] == null ? null : 1 - r.perLayer[k]; }) };
  }), { percent: true, range: [0, 1], yLabel: 'sparsity', integerX: true });
  var c = d.curve, cs = c.map(function (r) { return r.step; });
  function cc(k) { return c.map(function (r) { return r[k]; }); }
  plot('plot-steps', 'step', cs, [{ label: 'test accuracy', values: cc('testAccuracy') }, { label: 'train accuracy', values: cc('trainAccuracy') }], { percent: true, range: [0, 1], yLabel: 'accuracy' });
  plot('plot-step-loss', 'step', cs, [{ label: 'train loss', values: cc('trainLoss') }], { yLabel: 'loss' });
  plot('plot-step-connectivity', 'step', cs, [{ label: 'connectivity', values: cc('connectivity') }], { percent: true, range: [0, 1], yLabel: 'connectivity' });
  if (d.firingRates) {
    var fr = d.firingRates.rates;
    plot('plot-firing', 'spiking layer', fr.map(function (r, i) { return i; }), [{ label: 'spikes per neuron and step', values: fr.map(function (r) { return r.rate; }) }], {
      yLabel: 'firing rate', bars: true, percent: true, integerX: true, xRange: [-0.5, fr.length - 0.5],
      range: function (u, min, max) { return [0, Math.max(1.15 * max, 0.01)]; },
      xValues: function (u, t) { return t.map(function (i) { return fr[i] ? fr[i].layer + (fr[i].output ? ' (output)' : '') : ''; }); }
    });
  }
  if (d.cost) {
    var ls = d.cost.layers;
    plot('plot-rates', 'layer (input)', ls.map(function (l, i) { return i; }), [{ label: 'input events per position and step', values: ls.map(function (l) { return l.inputRate; }) }], {
      yLabel: 'rate', bars: true, percent: true, integerX: true, xRange: [-0.5, ls.length - 0.5],
      range: function (u, min, max) { return [0, Math.max(1.15 * max, 0.01)]; },
      xValues: function (u, t) { return t.map(function (i) { return ls[i] ? ls[i].name + ' (' + ls[i].input + ')' : ''; }); }
    });
  }
  document.body.dataset.plots = String(drawn);
})();
`;

export const STYLE = `
body { font-family: system-ui, sans-serif; color: #1d2430; background: #f7f8fa; margin: 0 auto; max-width: 1200px; padding: 8px 16px 32px; }
h1 { margin: 12px 0 2px; } h2 { margin: 24px 0 8px; font-size: 18px; }
.sub { color: #5b6678; margin: 0 0 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { background: #fff; border: 1px solid #dfe4ea; border-radius: 6px; padding: 8px 14px; }
.card b { display: block; font-size: 22px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
figure { margin: 0; background: #fff; border: 1px solid #dfe4ea; border-radius: 6px; padding: 6px; }
figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
table { border-collapse: collapse; background: #fff; font-size: 13px; }
th, td { border: 1px solid #dfe4ea; padding: 3px 8px; text-align: right; } th { background: #eef1f5; }
td:first-child, th:first-child { text-align: left; }
.note { color: #5b6678; font-size: 13px; }
`;

/** `fc1 = body.1.weight, ...`: which parameter each readable layer name stands for. */
export function layerNote(names: Record<string, string>): string {
  const entries = Object.entries(names);
  if (!entries.length) return '';
  return `<p class="note">Layers: ${entries.map(([k, v]) => `${esc(k)} = <code>${esc(v)}</code>`).join(', ')}</p>`;
}

/** The per-epoch plots and the metrics table (a run with at least one finished epoch). */
function perEpochSection(data: ReportData, layers: string[]): string {
  const epochRows = data.history.map((h) => [
    h.epoch,
    h.trainLoss?.toFixed(5) ?? '–',
    pct(h.trainAccuracy),
    h.testLoss?.toFixed(5) ?? '–',
    pct(h.testAccuracy),
    pct(h.connectivity, 3),
    ...layers.map((k) => pct(h.perLayer[k] == null ? null : 1 - h.perLayer[k], 2)),
    h.seconds?.toFixed(1) ?? '–',
  ]);
  return `<h2>Per epoch</h2>
<div class="grid">
<figure><figcaption>accuracy</figcaption><div id="plot-accuracy"></div></figure>
<figure><figcaption>loss</figcaption><div id="plot-loss"></div></figure>
<figure><figcaption>connectivity (active / all prunable weights)</figcaption><div id="plot-connectivity"></div></figure>
<figure><figcaption>sparsity per layer</figcaption><div id="plot-sparsity"></div></figure>
</div>
<h2>Metrics</h2>
${layerNote(data.layerNames)}
${table(['epoch', 'train loss', 'train acc.', 'test loss', 'test acc.', 'connectivity', ...layers.map((k) => `sparsity ${k}`), 'seconds'], epochRows, 'epochs')}`;
}

/** Curves by optimizer step: a one-epoch run is a curve, not a dot. */
function stepSection(data: ReportData): string {
  const c = data.curve;
  const has = (k: 'trainLoss' | 'connectivity') => c.some((r) => r[k] !== null);
  const fig = (id: string, caption: string) =>
    `<figure><figcaption>${caption}</figcaption><div id="${id}"></div></figure>`;
  return `<h2>By step</h2>
<div class="grid">
${fig('plot-steps', 'accuracy by optimizer step (train: mean of the batches since the previous point; test: evaluations)')}
${has('trainLoss') ? fig('plot-step-loss', 'train loss by optimizer step') : ''}
${has('connectivity') ? fig('plot-step-connectivity', 'connectivity by optimizer step (active / all prunable weights)') : ''}
</div>`;
}

/** Spikes per neuron and time step of each spiking layer (the output layer too), measured after an epoch. */
function firingSection(f: NonNullable<ReportData['firingRates']>): string {
  return `<h2>Firing rates</h2>
<div class="grid"><figure><figcaption>spikes per neuron and time step of each spiking layer after epoch ${f.epoch} (test samples, eval mode)</figcaption><div id="plot-firing"></div></figure>
<div>${table(
    ['spiking layer', 'rate'],
    f.rates.map((r) => [`${r.layer}${r.output ? ' (output)' : ''}`, pct(r.rate, 2)]),
    'firing-table',
  )}</div></div>`;
}

/** A self-contained HTML report: data, uPlot and the plot script inlined; a CSP forbids any network access. */
export function renderReport(data: ReportData): string {
  const { js, css } = uplotAssets();
  const layers = [...new Set(data.history.flatMap((h) => Object.keys(h.perLayer)))];
  const { headline: hl } = data;
  const epochs = Number.isInteger(hl.epochs) ? String(hl.epochs) : hl.epochs.toFixed(2);
  const cards: [string, string][] = [
    ['test accuracy', pct(hl.testAccuracy)],
    ['connectivity', pct(hl.connectivity)],
    ['epochs', hl.step === null ? epochs : `${epochs} (step ${hl.step})`],
    ['training time', data.trainSeconds == null ? '–' : `${data.trainSeconds.toFixed(1)} s`],
  ];
  if (data.cost) cards.push(['energy / sample', energy(data.cost.summary.energyPicojoules)]);
  const cost = data.cost
    ? `<h2>Cost (from ${esc(data.cost.source)})</h2>
<div class="grid"><figure><figcaption>firing rate per layer: events arriving at each synaptic layer per input position and time step (spike rate of the layer before; nonzero pixels for the analog first layer)</figcaption><div id="plot-rates"></div></figure>
<div>${table(
        ['layer', 'kind', 'input', 'input rate', 'dense MACs', 'eff. ACs', 'eff. MACs', 'conn. sparsity'],
        data.cost.layers.map((l) => [
          l.name,
          l.kind,
          l.input,
          pct(l.inputRate),
          count(l.denseMACs),
          count(l.effectiveACs),
          count(l.effectiveMACs),
          pct(l.connectionSparsity),
        ]),
        'cost-table',
      )}
<p class="note">per sample, ${esc(data.cost.summary.energyPreset)}: ${energy(data.cost.summary.energyPicojoules)} (dense ANN equivalent ${energy(data.cost.summary.denseANNPicojoules)})${data.cost.summary.chip ? `; ${esc(data.cost.summary.chip)}: ${data.cost.summary.cores} cores` : ''}</p></div></div>`
    : `<h2>Cost</h2><p class="note">No network profile in this run directory. To add the events arriving at each synaptic layer and the cost table: <code>synaptogen cost ${esc(data.runDir)} --save-profiles ${esc(data.runDir)}</code>, then run the report again.</p>`;
  const steps = data.curve.length ? stepSection(data) : '';
  const rates = data.firingRates ? firingSection(data.firingRates) : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>synaptogen report · ${esc(data.title)}</title>
<style>${css}</style><style>${STYLE}</style></head>
<body>
<h1>${esc(data.title)}</h1>
<p class="sub">${esc(data.model.name)} (T = ${esc(data.model.T)}, input [${esc(data.model.inputShape.join(', '))}], ${esc(data.model.classes)} classes) · dataset ${esc(data.options.dataset ?? '?')} · learner ${esc(data.learner)}${data.engine ? ` · engine ${esc(data.engine)}` : ''}${data.createdAt ? ` · saved ${esc(data.createdAt)}` : ''}</p>
<div class="cards">${cards.map(([k, v]) => `<div class="card">${esc(k)}<b>${esc(v)}</b></div>`).join('')}</div>
${steps}
${data.history.length ? perEpochSection(data, layers) : '<h2>Per epoch</h2><p class="note">No epoch finished yet (a checkpoint taken mid-epoch): the curves by step above are all there is.</p>'}
${rates}
${cost}
<h2>Run options</h2>
${table(
  ['option', 'value'],
  Object.entries(data.options).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
  'options',
)}
<p class="note">Written by synaptogen report from ${esc(data.runDir)}. Self-contained: plots by uPlot (MIT), inlined.</p>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${js}</script>
<script>${PLOT_SCRIPT}</script>
</body></html>
`;
}
