import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJsonOnce } from './layout.js';
import { expandSweep, pointId } from './points.js';
import { parseSweep } from './sweep-file.js';
import { sweepableOptions, toTrainArgs, trainCommand } from './train-flags.js';

describe('sweep files', () => {
  it('takes exactly the options the registered train command has', () => {
    const names = [...sweepableOptions().keys()];
    const train = trainCommand().options.map((o) => o.attributeName());
    expect(names).toEqual(
      train.filter((n) => !['out', 'resume', 'json', 'quiet', 'logEvery', 'config'].includes(n)),
    );
    expect(names).toContain('alpha');
    expect(names).toContain('maxCores');
  });

  it('expands every grid combination over base, each point × grid, with stable ids', () => {
    const spec = parseSweep(
      {
        base: { dataset: 'mnist', 'train-limit': '512' },
        grid: { alpha: [0.05, '2e-1'], seed: [1, 2] },
        points: [{ learner: 'gradr' }, { learner: 'deepr', targetSparsity: 0.9 }],
      },
      'sweep.json',
    );
    const points = expandSweep(spec);
    expect(points).toHaveLength(8);
    // values went through train's parsers: strings became numbers
    expect(points[0].params).toEqual({
      dataset: 'mnist',
      trainLimit: 512,
      alpha: 0.05,
      seed: 1,
      learner: 'gradr',
    });
    expect(points.map((p) => p.params.alpha)).toContain(0.2);
    expect(new Set(points.map((p) => p.id)).size).toBe(8);
    // key order does not matter for the identity of a run
    expect(pointId({ seed: 1, alpha: 0.05 })).toBe(pointId({ alpha: 0.05, seed: 1 }));
    expect(points[0].dir).toBe(`gradr-alpha0.05-seed1-${points[0].id}`);
    expect(points.find((p) => p.params.learner === 'deepr')!.dir).toMatch(
      /^deepr-alpha0\.05-seed1-targetSparsity0\.9-/,
    );
  });

  it('turns a point into train arguments that train parses back to the same options', () => {
    const params = {
      learner: 'deepr',
      alpha: 1e-7,
      targetSparsity: 0.9,
      augment: false,
      learnerOption: { temperature: 1e-6, mode: 'soft' },
      seed: 3,
    };
    const args = toTrainArgs(params);
    expect(args).toContain('--no-augment');
    const train = trainCommand();
    train.action(() => {});
    train.parse(args, { from: 'user' });
    const parsed = train.opts();
    for (const [k, v] of Object.entries(params)) expect(parsed[k], k).toEqual(v);
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'unknown option',
      { base: { alfa: 1 }, grid: { seed: [1] } },
      /^s\.json: base\.alfa is not a train option \(did you mean "alpha"\?\)/,
    ],
    [
      'unknown option in a grid',
      { grid: { sed: [1, 2] } },
      /^s\.json: grid\.sed is not a train option \(did you mean "seed"\?\)/,
    ],
    [
      'option the sweep sets',
      { base: { out: 'x' }, grid: { seed: [1] } },
      /^s\.json: base\.out is set by the sweep/,
    ],
    ['empty grid', { base: { learner: 'gradr' }, grid: {} }, /^s\.json: grid is empty/],
    ['empty grid list', { grid: { alpha: [] } }, /^s\.json: grid\.alpha is an empty list/],
    ['grid value not a list', { grid: { alpha: 0.1 } }, /^s\.json: grid\.alpha expects a list of values/],
    ['no points at all', { base: { learner: 'gradr' } }, /^s\.json: no points/],
    [
      'base and grid',
      { base: { seed: 1 }, grid: { seed: [1, 2] } },
      /^s\.json: grid\.seed conflicts with base\.seed \(1\)/,
    ],
    [
      'two spellings',
      { base: { targetSparsity: 0.9, 'target-sparsity': 0.95 }, grid: { seed: [1] } },
      /^s\.json: base\.target-sparsity conflicts with "targetSparsity"/,
    ],
    [
      'point and grid',
      { grid: { alpha: [0.1] }, points: [{ alpha: 0.2 }] },
      /^s\.json: points\[0\]\.alpha conflicts with grid\.alpha/,
    ],
    ['repeated grid value', { grid: { seed: [1, 2, 1] } }, /^s\.json: grid\.seed lists 1 twice/],
    [
      'repeated point',
      { points: [{ alpha: 0.1 }, { alpha: 0.1 }] },
      /^s\.json: points\[1\] is the same run as points\[0\]/,
    ],
    [
      'bad value',
      { grid: { alpha: [0.1, -1] } },
      /^s\.json: grid\.alpha\[1\]: --alpha expects a positive number, got "-1"/,
    ],
    [
      'bad boolean',
      { base: { augment: 'no' }, grid: { seed: [1] } },
      /^s\.json: base\.augment expects true or false/,
    ],
    ['unknown top key', { grids: {} }, /^s\.json: unknown key "grids"/],
  ];
  it.each(bad)('rejects %s with one line naming the key', (_, json, message) => {
    let error: Error | undefined;
    try {
      parseSweep(json, 's.json');
    } catch (e) {
      error = e as Error;
    }
    expect(error?.name).toBe('CliError');
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });
});

describe('sweep records', () => {
  it('records a result once: a second completion of the same point is refused', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'synaptogen-once-')), 'results', 'p.json');
    expect(writeJsonOnce(file, { worker: 'a' })).toBe(true);
    expect(writeJsonOnce(file, { worker: 'b' })).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ worker: 'a' });
  });
});
