import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSweepDir, type PointResult, sweepPaths, writeJsonAtomic } from '../sweep/layout.js';
import { expandSweep } from '../sweep/points.js';
import { parseSweep } from '../sweep/sweep-file.js';
import { readSweep } from './report-sweep-data.js';
import { mainPlot } from './report-sweep-html.js';
import { sweepCsv } from './report-sweep-table.js';

/** A sweep directory whose points carry the given results (no training: the report's own logic). */
function fakeSweep(results: Record<string, [number, number] | 'failed' | null>) {
  const dir = join(mkdtempSync(join(tmpdir(), 'synaptogen-sweep-report-')), 'sweep');
  const spec = parseSweep(
    {
      base: { dataset: 'mnist' },
      grid: { seed: [1, 2] },
      points: Object.keys(results).map((k) => JSON.parse(k)),
    },
    'sweep.json',
  );
  const { points } = openSweepDir(dir, expandSweep(spec));
  const paths = sweepPaths(dir);
  for (const p of points) {
    const key = JSON.stringify(
      Object.fromEntries(Object.entries(p.params).filter(([k]) => k !== 'seed' && k !== 'dataset')),
    );
    const r = results[key];
    const seedShift = p.params.seed === 2 ? 0.01 : 0;
    if (r === 'failed')
      writeJsonAtomic(paths.failure(p.id), { id: p.id, status: 'failed', message: 'train exited with 1' });
    else if (r)
      writeJsonAtomic(paths.result(p.id), {
        id: p.id,
        dir: p.dir,
        params: p.params,
        status: 'done',
        testAccuracy: r[0] + seedShift,
        testLoss: 0.01,
        connectivity: r[1],
        connectivityPerLayer: { 'body.1.weight': r[1], 'body.3.weight': 1 },
        epochs: 1,
        trainSeconds: 1,
        resumedFrom: { epoch: 0, batches: 0 },
        cost: null,
        worker: 'test',
        finishedAt: '',
      } satisfies PointResult);
  }
  return dir;
}

describe('sweep report data', () => {
  const dir = fakeSweep({
    '{"learner":"gradr","alpha":0.05}': [0.9, 0.3],
    '{"learner":"gradr","alpha":0.2}': [0.8, 0.05],
    '{"learner":"magnitude","targetSparsity":0.7}': [0.7, 0.3],
    '{"learner":"deepr","alpha":0.1}': 'failed',
  });
  const d = readSweep(dir);

  it('groups seeds per setting with their range and marks the Pareto front', () => {
    expect(d.points).toHaveLength(6);
    expect(d.unfinished.map((u) => u.status)).toEqual(['failed', 'failed']);
    const g = d.groups.find((x) => x.method === 'gradr' && x.setting === 'alpha=0.05')!;
    expect(g.seeds).toBe(2);
    expect(g.testAccuracy.min).toBeCloseTo(0.9);
    expect(g.testAccuracy.max).toBeCloseTo(0.91);
    // magnitude at 30% is beaten by Grad R α=0.05 at the same connectivity
    // settings are named by what varies within their method; magnitude has one setting
    expect(Object.fromEntries(d.groups.map((x) => [`${x.method} ${x.setting}`, x.pareto]))).toEqual({
      'gradr alpha=0.05': true,
      'gradr alpha=0.2': true,
      'magnitude ': false,
    });
    // no manifests in this fake sweep: raw layer names stay
    expect(d.layers).toEqual(['body.1.weight', 'body.3.weight']);
    // an MNIST sweep gets the PyTorch reference runs as marks
    expect(d.references.every((r) => r.dataset === 'mnist')).toBe(true);
  });

  it('places every point once in the plot data, in connectivity order', () => {
    const plot = mainPlot(d);
    expect(plot.marks.map((m) => m.id).sort()).toEqual(d.points.map((p) => p.id).sort());
    for (const m of plot.marks) {
      const p = d.points.find((q) => q.id === m.id)!;
      expect(plot.xs[m.index]).toBe(p.connectivity);
      expect(plot.series[m.series - 1].values[m.index]).toBe(p.testAccuracy);
    }
    expect([...plot.xs].sort((a, b) => a - b)).toEqual(plot.xs);
    expect(plot.whiskers).toHaveLength(3);
  });

  it('writes one CSV row per point, finished or not, each as wide as the header', () => {
    const rows = sweepCsv(d).trim().split('\n');
    expect(rows).toHaveLength(1 + 8);
    const width = (r: string) => r.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.length - 1;
    for (const r of rows) expect(width(r), r).toBe(width(rows[0]));
    expect(rows.filter((r) => r.includes(',failed,'))).toHaveLength(2);
  });
});
