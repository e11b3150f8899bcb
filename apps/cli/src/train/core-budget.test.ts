import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, REPO } from '../test-cli.js';

// `train --chip --max-cores` on real MNIST, then `cost --chip` on the checkpoint, both as node processes.
const tmp = mkdtempSync(path.join(tmpdir(), 'synaptogen-cli-budget-'));

const tiny = ['--train-limit', '1000', '--test-limit', '200', '--batch-size', '100', '--epochs', '1'];

describe('synaptogen train --max-cores (hardware-aware magnitude pruning)', () => {
  it('prunes gradr-mnist-mlp (7 dense Loihi cores) until it maps to 4, as `cost --chip loihi` confirms', () => {
    const out = path.join(tmp, 'loihi4');
    const t = cli(
      'train',
      ...tiny,
      '--learner',
      'magnitude',
      '--chip',
      'loihi',
      '--max-cores',
      '4',
      '--learner-option',
      'frequency=2',
      '--learner-option',
      'endStep=8',
      '--out',
      out,
      '--json',
      '-q',
    );
    expect(t.code, t.stderr).toBe(0);
    const s = JSON.parse(t.stdout.trim());
    expect(s.learnerOptions).toMatchObject({ budget: '4 loihi cores', scope: 'per-layer' });
    expect(s.learnerReport).toMatchObject({ budget: '4 loihi cores', fits: true });
    expect(s.learnerReport.cores).toBeLessThanOrEqual(4);
    // dense needs 7 cores, bound by synapse memory: the budget forces real pruning
    expect(s.connectivity).toBeLessThan(0.5);
    expect(s.connectivity).toBeGreaterThan(0.05);

    const c = cli('cost', out, '--chip', 'loihi', '--samples', '100', '--json', '-q');
    expect(c.code, c.stderr).toBe(0);
    const cost = JSON.parse(c.stdout.trim());
    expect(cost.cores).toBeLessThanOrEqual(4);
    expect(cost.chip).toBe('loihi');
  });

  it('takes a chip JSON file, and names --max-cores when the neurons alone do not fit', () => {
    // a Loihi-like core that holds only 512 neurons: 800 + 10 neurons need at least 3 cores
    const chip = path.join(tmp, 'half-loihi.json');
    const loihi = JSON.parse(
      readFileSync(path.join(REPO, 'packages/hardware/data/chips/loihi.json'), 'utf8'),
    );
    writeFileSync(
      chip,
      JSON.stringify({ ...loihi, name: 'half-loihi', core: { ...loihi.core, maxNeurons: 512 } }),
    );
    const r = cli('train', ...tiny, '--learner', 'magnitude', '--chip', chip, '--max-cores', '2', '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-cores 2: .*budget "2 half-loihi cores" cannot be met: .*neurons/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const g = cli('train', ...tiny, '--learner', 'gradr', '--max-cores', '4', '-q');
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/--max-cores: learner "gradr" takes no core budget/);
  });
});
