/**
 * The plotting helpers of the report pages (browser JavaScript, inlined into a <script>): uPlot line or bar
 * charts whose legends show each series' last value on a static page (uPlot shows "--" without a cursor).
 * `plot(id, xLabel, x, series, opts)` draws into #id and counts the plots drawn in `drawn`.
 */
export const PLOT_FUNCTIONS = `
  var colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
  var drawn = 0;
  function pct(v) { return v == null ? '–' : (100 * v).toFixed(2) + '%'; }
  // a static page has no cursor: the legend shows each series' last value instead of "--"
  function lastIdxs(u) {
    return u.data.map(function (s) { for (var k = s.length - 1; k >= 0; k--) if (s[k] != null) return k; return null; });
  }
  function showLast(u) { u.setLegend({ idxs: lastIdxs(u) }, false); }
  function hasValues(s) { return s.values.some(function (v) { return v != null; }); }
  function plot(id, xLabel, x, series, opts) {
    var el = document.getElementById(id);
    series = series.filter(hasValues);
    if (!el || !x.length || !series.length) return;
    opts = opts || {};
    var percent = !!opts.percent;
    new uPlot({
      width: Math.max(320, el.clientWidth), height: 240,
      scales: { x: opts.xRange ? { time: false, range: opts.xRange } : { time: false }, y: opts.range ? { range: opts.range } : {} },
      hooks: { ready: [showLast], setCursor: [function (u) { if (u.cursor.idx == null) showLast(u); }] },
      axes: [
        { label: xLabel, values: opts.xValues, incrs: opts.integerX ? [1, 2, 5, 10, 20, 50, 100, 200, 500] : undefined },
        { label: opts.yLabel || '', values: function (u, t) { return t.map(function (v) { return percent ? Math.round(100 * v) + '%' : v; }); } }
      ],
      series: [{ label: xLabel, value: opts.xValues ? function (u, v) { return v == null ? '–' : opts.xValues(u, [v])[0]; } : undefined }].concat(series.map(function (s, i) {
        return { label: s.label, stroke: colors[i % colors.length], width: 2, spanGaps: true,
          fill: opts.bars ? colors[i % colors.length] + '55' : undefined,
          paths: opts.bars ? uPlot.paths.bars({ size: [0.6, 80] }) : undefined,
          points: { show: !opts.bars }, value: function (u, v) { return percent ? pct(v) : (v == null ? '–' : v.toPrecision(4)); } };
      }))
    }, [x].concat(series.map(function (s) { return s.values; })), el);
    el.dataset.plotted = 'true';
    drawn++;
  }
`;
