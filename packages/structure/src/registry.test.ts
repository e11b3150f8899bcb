import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import './builtins.js';
import { Dense } from './dense.js';
import { GradR } from './gradr.js';
import { loadLearner } from './node/load-learner.js';
import {
  assertLearner,
  createLearner,
  describeLearner,
  hasLearner,
  listLearners,
  registerLearner,
  UnknownLearnerError,
} from './registry.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

describe('learner registry', () => {
  it('holds the built-in learners and builds them with their options', () => {
    expect(listLearners()).toEqual(
      expect.arrayContaining(['dense', 'gradr', 'deepr', 'soft-deepr', 'magnitude']),
    );
    const g = createLearner('gradr', { alpha: 0.05, targetSparsity: 0.9 });
    expect(g).toBeInstanceOf(GradR);
    expect(g.options).toMatchObject({ alpha: 0.05, targetSparsity: 0.9 });
    expect(describeLearner('gradr')).toMatch(/Grad R/);
  });

  it('names the choices when a learner is unknown', () => {
    expect(() => createLearner('gradient-rewiring')).toThrow(UnknownLearnerError);
    expect(() => createLearner('gradient-rewiring')).toThrow(
      /unknown learner "gradient-rewiring"; expected one of: .*dense.*gradr.*, a file path or a package name/,
    );
  });

  it('rejects bad names, non-function factories and objects that are not learners', () => {
    expect(() => registerLearner('my learner', () => new Dense())).toThrow(
      /learner name "my learner" is invalid/,
    );
    expect(() => registerLearner('x', 42 as never)).toThrow(/learner "x": factory must be a function/);
    registerLearner('broken', () => ({ attach() {} }) as never);
    expect(() => createLearner('broken')).toThrow(
      /learner "broken": not a StructureLearner, missing method\(s\) report, getState, setState, dispose/,
    );
    registerLearner('nothing', () => null as never);
    expect(() => createLearner('nothing')).toThrow(/learner "nothing": the factory returned null/);
    expect(assertLearner(new Dense(), 'test')).toBeInstanceOf(Dense);
  });

  it('lets a plugin override a name and register new ones', () => {
    registerLearner('my-dense', (o) => new Dense(o), 'a copy');
    expect(hasLearner('my-dense')).toBe(true);
    expect(createLearner('my-dense').name).toBe('dense');
    expect(() => createLearner('my-dense', { alpha: 1 })).toThrow(/dense: unknown option "alpha"/);
  });
});

describe('loadLearner (node)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synaptogen-plugin-'));
  const plugin = join(dir, 'keep-all.js');
  writeFileSync(
    plugin,
    `export default {
  name: 'keep-all',
  description: 'test plugin',
  create(options) {
    return {
      name: 'keep-all', options: { ...options },
      attach() {}, report() { return { connectivity: 1, perLayer: {}, pruned: 0, regrown: 0 }; },
      getState() { return { json: {}, tensors: new Map() }; }, setState() {}, dispose() {},
    };
  },
};\n`,
  );

  it('resolves built-in names without touching the file system', async () => {
    const r = await loadLearner('gradr');
    expect(r).toMatchObject({ name: 'gradr', source: 'builtin' });
    expect(r.create({ alpha: 0.2 }).options).toMatchObject({ alpha: 0.2 });
  });

  it('imports a plugin file (relative to cwd) and registers it under its own name', async () => {
    const r = await loadLearner('./keep-all.js', { cwd: dir });
    expect(r.name).toBe('keep-all');
    expect(r.create({ rate: 3 }).options).toEqual({ rate: 3 });
    expect(hasLearner('keep-all')).toBe(true);
  });

  it('gives clear errors for a missing file, a module without a learner and an unknown package', async () => {
    await expect(loadLearner('./nope.js', { cwd: dir })).rejects.toThrow(
      /learner plugin \.\/nope\.js: file .*nope\.js does not exist/,
    );
    const empty = join(dir, 'empty.js');
    writeFileSync(empty, 'export const x = 1;\n');
    await expect(loadLearner(empty)).rejects.toThrow(
      /expected a default export \{ name: string, create\(options\) \}/,
    );
    await expect(loadLearner('no-such-learner-package-xyz')).rejects.toThrow(
      /unknown learner "no-such-learner-package-xyz"; expected one of: dense, gradr, .*a file path \(\.\/my-learner\.js\) or an installed package name/,
    );
    const broken = join(dir, 'broken.js');
    writeFileSync(broken, 'export default {;\n');
    await expect(loadLearner(broken)).rejects.toThrow(/learner ".*broken\.js" is not a loadable module \(/);
  });
});

describe('plugins are held to the contract (issue 16)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synaptogen-plugin-checks-'));
  /** A plugin file: its learner's report() returns `report` (JS source), attach() runs `attach`. */
  const pluginFile = (
    file: string,
    name: string,
    body: { report?: string; attach?: string; extra?: string; override?: boolean },
  ) => {
    const path = join(dir, file);
    writeFileSync(
      path,
      `${body.extra ?? ''}
export default {
  name: ${JSON.stringify(name)},
  ${body.override ? 'override: true,' : ''}
  create(options) {
    return {
      name: ${JSON.stringify(name)}, options: { ...options },
      attach() { ${body.attach ?? ''} },
      report() { return ${body.report ?? '{ connectivity: 1, perLayer: {}, pruned: 0, regrown: 0 }'}; },
      getState() { return { json: {}, tensors: new Map() }; }, setState() {}, dispose() {},
    };
  },
};\n`,
    );
    return path;
  };

  it('a report with NaN (or out-of-range) connectivity is refused, naming the plugin', async () => {
    const cases: Array<[string, RegExp]> = [
      [
        '{ connectivity: NaN, perLayer: {}, pruned: 0, regrown: 0 }',
        /report\(\) returned connectivity NaN; expected a number in \[0, 1\]/,
      ],
      [
        '{ connectivity: 1.5, perLayer: {}, pruned: 0, regrown: 0 }',
        /connectivity 1\.5; expected a number in \[0, 1\]/,
      ],
      [
        '{ connectivity: 0.5, perLayer: { fc: { connectivity: NaN, active: 1, total: 2 } }, pruned: 0, regrown: 0 }',
        /connectivity NaN for layer fc/,
      ],
      [
        '{ connectivity: 0.5, perLayer: {}, pruned: Infinity, regrown: 0 }',
        /pruned Infinity; expected a finite number/,
      ],
    ];
    for (const [i, [report, message]] of cases.entries()) {
      const file = pluginFile(`nan-report-${i}.js`, `nan-report-${i}`, { report });
      const learner = (await loadLearner(file)).create({});
      expect(() => learner.report()).toThrow(message);
      expect(() => learner.report()).toThrow(`learner plugin ${file}: report() returned`);
    }
  });

  it("a plugin may not take a built-in's name without override: true", async () => {
    const shadow = pluginFile('shadow.js', 'gradr', {});
    await expect(loadLearner(shadow)).rejects.toThrow(
      /learner plugin .*shadow\.js is named "gradr", which is a built-in learner; rename the plugin, or export override: true/,
    );
    expect(createLearner('gradr')).toBeInstanceOf(GradR);
    const explicit = pluginFile('explicit.js', 'magnitude', { override: true });
    expect((await loadLearner(explicit)).name).toBe('magnitude');
    expect(createLearner('magnitude')).not.toBeInstanceOf(GradR);
    expect(createLearner('magnitude').options).toEqual({});
    // the same plugin loaded twice is not a conflict
    const again = pluginFile('again.js', 'again', {});
    await loadLearner(again);
    await expect(loadLearner(again)).resolves.toMatchObject({ name: 'again' });
    expect(() => registerLearner('dense', () => new Dense())).toThrow(
      /learner "dense" is already registered \(a built-in learner\); choose another name, or register with \{ override: true \}/,
    );
  });

  it('errors thrown by plugin methods name the plugin and the method', async () => {
    const file = pluginFile('throws.js', 'throws', { attach: "throw new Error('boom');" });
    const learner = (await loadLearner(file)).create({});
    expect(() => learner.attach({} as never, {} as never)).toThrow(
      `learner plugin ${file}: attach() failed: boom`,
    );
  });

  it('a plugin whose module never settles is given up on with a message', async () => {
    const file = pluginFile('hangs.js', 'hangs', { extra: 'await new Promise(() => {});' });
    const t0 = Date.now();
    await expect(loadLearner(file, { timeoutMs: 300 })).rejects.toThrow(
      `learner plugin ${file} did not finish loading within 0.3 s (its top-level code never settled)`,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
