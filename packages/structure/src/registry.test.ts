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
