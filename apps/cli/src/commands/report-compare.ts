import type { ReportData } from './report-data.js';
import { energy, esc, pct, STYLE, scriptJson, table, uplotAssets } from './report-html.js';
import { PLOT_FUNCTIONS } from './report-plot.js';

/** One run in the comparison: its curves by step and by epoch, ready to align on a common x axis. */
interface RunSeries {
  label: string;
  byStep: {
    step: number;
    trainLoss: number | null;
    testAccuracy: number | null;
    connectivity: number | null;
  }[];
  byEpoch: { epoch: number; testAccuracy: number | null }[];
}

/** Run labels: the directory names, made unique (two runs/<x>/gradr would otherwise share a colour key). */
export function runLabels(runs: readonly ReportData[]): string[] {
  const seen = new Map<string, number>();
  return runs.map((r) => {
    const n = (seen.get(r.title) ?? 0) + 1;
    seen.set(r.title, n);
    return n === 1 ? r.title : `${r.title} (${n})`;
  });
}

/** Options whose values differ between the runs: what the comparison is about. */
export function differingOptions(runs: readonly ReportData[]): string[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.options)))].sort();
  const show = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));
  return keys.filter(
    (k) => new Set(runs.map((r) => show(r.options[k]))).size > 1 && !['out', 'resume'].includes(k),
  );
}

/** Plots every run on one axis (each run a series): x is the union of the runs' steps or epochs. */
const COMPARE_SCRIPT = `
(function () {
  var runs = JSON.parse(document.getElementById('compare-data').textContent);
${PLOT_FUNCTIONS}
  function aligned(key, field) {
    var xs = [];
    runs.forEach(function (r) { r[key].forEach(function (p) { if (xs.indexOf(p[field]) < 0) xs.push(p[field]); }); });
    xs.sort(function (a, b) { return a - b; });
    return xs;
  }
  function series(key, field, value) {
    var xs = aligned(key, field);
    return { x: xs, series: runs.map(function (r) {
      var at = {}; r[key].forEach(function (p) { at[p[field]] = p[value]; });
      return { label: r.label, values: xs.map(function (x) { return at[x] == null ? null : at[x]; }) };
    }) };
  }
  var a = series('byEpoch', 'epoch', 'testAccuracy');
  plot('plot-compare-accuracy', 'epoch', a.x, a.series, { percent: true, range: [0, 1], yLabel: 'test accuracy', integerX: true });
  var t = series('byStep', 'step', 'testAccuracy');
  plot('plot-compare-step-accuracy', 'step', t.x, t.series, { percent: true, range: [0, 1], yLabel: 'test accuracy' });
  var l = series('byStep', 'step', 'trainLoss');
  plot('plot-compare-loss', 'step', l.x, l.series, { yLabel: 'train loss' });
  var c = series('byStep', 'step', 'connectivity');
  plot('plot-compare-connectivity', 'step', c.x, c.series, { percent: true, range: [0, 1], yLabel: 'connectivity' });
  document.body.dataset.plots = String(drawn);
})();
`;

/** `synaptogen report RUN_A RUN_B …`: the runs side by side, self-contained like the single-run report. */
export function renderComparison(runs: readonly ReportData[]): string {
  const { js, css } = uplotAssets();
  const labels = runLabels(runs);
  const series: RunSeries[] = runs.map((r, i) => ({
    label: labels[i],
    byStep: r.curve.map((c) => ({
      step: c.step,
      trainLoss: c.trainLoss,
      testAccuracy: c.testAccuracy,
      connectivity: c.connectivity,
    })),
    byEpoch: r.history.map((h) => ({ epoch: h.epoch, testAccuracy: h.testAccuracy })),
  }));
  const summary = table(
    [
      'run',
      'model',
      'dataset',
      'learner',
      'epochs',
      'test accuracy',
      'connectivity',
      'training time',
      'energy / sample',
      'engine',
    ],
    runs.map((r, i) => [
      labels[i],
      r.model.name,
      String(r.options.dataset ?? '?'),
      r.learner,
      Number.isInteger(r.headline.epochs) ? r.headline.epochs : r.headline.epochs.toFixed(2),
      pct(r.headline.testAccuracy),
      pct(r.headline.connectivity, 3),
      r.trainSeconds == null ? '–' : `${r.trainSeconds.toFixed(1)} s`,
      r.cost ? energy(r.cost.summary.energyPicojoules) : '–',
      r.engine ?? '–',
    ]),
    'compare-table',
  );
  const differing = differingOptions(runs);
  const options = differing.length
    ? table(
        ['option', ...labels],
        differing.map((k) => [
          k,
          ...runs.map((r) =>
            r.options[k] === undefined
              ? '–'
              : typeof r.options[k] === 'object'
                ? JSON.stringify(r.options[k])
                : String(r.options[k]),
          ),
        ]),
        'compare-options',
      )
    : '<p class="note">The runs were trained with the same options.</p>';
  const layers = [...new Set(runs.flatMap((r) => r.firingRates?.rates.map((x) => x.layer) ?? []))];
  const rates = layers.length
    ? `<h2>Firing rates</h2>${table(
        ['spiking layer', ...labels],
        layers.map((layer) => [
          layer +
            (runs.some((r) => r.firingRates?.rates.find((x) => x.layer === layer)?.output)
              ? ' (output)'
              : ''),
          ...runs.map((r) => pct(r.firingRates?.rates.find((x) => x.layer === layer)?.rate ?? null)),
        ]),
        'compare-rates',
      )}<p class="note">Spikes per neuron and time step after each run's last epoch (test samples, eval mode).</p>`
    : '';
  const fig = (id: string, caption: string) =>
    `<figure><figcaption>${caption}</figcaption><div id="${id}"></div></figure>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>synaptogen report · ${esc(labels.join(' vs '))}</title>
<style>${css}</style><style>${STYLE}</style></head>
<body>
<h1>${esc(labels.join(' vs '))}</h1>
<p class="sub">${runs.length} runs compared · ${esc(runs.map((r) => r.runDir).join(' · '))}</p>
${summary}
<h2>Curves</h2>
<div class="grid">
${fig('plot-compare-accuracy', 'test accuracy by epoch')}
${fig('plot-compare-step-accuracy', 'test accuracy by optimizer step (evaluations during training)')}
${fig('plot-compare-loss', 'train loss by optimizer step')}
${fig('plot-compare-connectivity', 'connectivity by optimizer step (active / all prunable weights)')}
</div>
${rates}
<h2>Options that differ</h2>
${options}
<p class="note">Written by synaptogen report. Self-contained: plots by uPlot (MIT), inlined. Each run's own report: <code>synaptogen report RUN_DIR</code>.</p>
<script type="application/json" id="compare-data">${scriptJson(series)}</script>
<script>${js}</script>
<script>${COMPARE_SCRIPT}</script>
</body></html>
`;
}
