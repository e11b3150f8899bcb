import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REFERENCES } from './report-references.js';

// shared/ sits beside the repository (as ../shared/data does for SYNAPTOGEN_DATA)
const shared = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../shared');

describe('report reference marks', () => {
  it('quote the PyTorch reference runs exactly as their logs end', () => {
    const peer = REFERENCES.filter((r) => r.source.startsWith('shared/peer/'));
    expect(peer.length).toBeGreaterThanOrEqual(10);
    for (const r of peer) {
      const log = readFileSync(resolve(shared, r.source.slice('shared/'.length)), 'utf8');
      const final = log
        .split('\n')
        .filter((l) => l.includes('"result": "final"'))
        .map((l) => JSON.parse(l))
        .at(-1);
      expect(final, r.source).toBeDefined();
      expect(r.testAccuracy, r.source).toBe(final.test_acc);
      expect(r.connectivity, r.source).toBe(final.connectivity);
      expect(final.mode, r.source).toBe(r.method);
    }
  });

  it('quote the published points as the specs state them', () => {
    for (const r of REFERENCES.filter((x) => x.source.startsWith('shared/specs/'))) {
      const spec = readFileSync(resolve(shared, r.source.slice('shared/'.length)), 'utf8');
      const conn = `${(100 * r.connectivity).toFixed(2)}%`;
      if (r.method === 'dense')
        expect(spec, r.label).toContain(`dense ${(100 * r.testAccuracy!).toFixed(2)}%`);
      else if (r.testAccuracy !== undefined)
        expect(spec, r.label).toContain(`${(100 * r.testAccuracy).toFixed(2)}% at ${conn}`);
      else
        expect(spec, r.label).toContain(`~${(-100 * r.accuracyDelta!).toFixed(1)}% accuracy loss at ${conn}`);
    }
  });
});
