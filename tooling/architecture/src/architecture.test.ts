import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importsOf, isTfjs, sourceFiles, workspacePackage } from './imports.js';
import { RULES, TEST_ONLY } from './rules.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** What a library package's sources and manifest import against the arrows, one line each. */
function violations(pkg: string): string[] {
  const rule = RULES[pkg];
  const dir = join(root, 'packages', pkg);
  const out: string[] = [];
  const allowed = (name: string) => name === pkg || rule.packages.includes(name);
  for (const file of sourceFiles(join(dir, 'src'))) {
    // test files, and the helpers only tests import (a package's src/test/ folder, never an entry point)
    const test = /\.test\.ts$/.test(file) || /[/\\]src[/\\]test[/\\]/.test(file);
    for (const site of importsOf(file, root)) {
      const target = workspacePackage(site.specifier);
      if (target && !allowed(target) && !(test && TEST_ONLY.includes(target)))
        out.push(
          `${site.file}:${site.line} imports ${site.specifier}; ${pkg} may import ${rule.packages.join(', ') || 'no workspace package'}`,
        );
      if (!rule.tfjs && isTfjs(site.specifier))
        out.push(
          `${site.file}:${site.line} imports ${site.specifier}; ${pkg} has no TensorFlow.js dependency`,
        );
    }
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  // what the published package pulls in (devDependencies serve the tests)
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      const target = workspacePackage(dep);
      if (target && !allowed(target)) out.push(`packages/${pkg}/package.json ${field} lists ${dep}`);
      if (!rule.tfjs && isTfjs(dep))
        out.push(`packages/${pkg}/package.json ${field} lists ${dep} (no TensorFlow.js)`);
    }
  }
  return out;
}

describe('dependencies point one way (DESIGN.md)', () => {
  it('every library package in packages/ has a rule', () => {
    const packages = readdirSync(join(root, 'packages')).filter((p) =>
      existsSync(join(root, 'packages', p, 'package.json')),
    );
    expect(packages.filter((p) => !(p in RULES))).toEqual([]);
  });

  for (const pkg of Object.keys(RULES)) {
    it(`${pkg} imports only what the arrows allow`, () => {
      expect(violations(pkg)).toEqual([]);
    });
  }

  it('the checker sees a violation: a source importing against the arrows is reported', () => {
    // nn's own sources import neurons (allowed); pretend nn may import nothing and the same file is flagged
    const saved = RULES.nn;
    RULES.nn = { packages: [], tfjs: true };
    try {
      expect(
        violations('nn').some((v) =>
          v.includes('imports @synaptogen/neurons; nn may import no workspace package'),
        ),
      ).toBe(true);
    } finally {
      RULES.nn = saved;
    }
  });
});
