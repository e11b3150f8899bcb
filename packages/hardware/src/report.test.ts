import { describe, expect, it } from 'vitest';
import { buildProfile, linearLayer } from './layout.js';
import {
  compareCosts,
  estimateCost,
  formatComparison,
  formatCostReport,
  formatCount,
  formatEnergy,
} from './report.js';

function mlp(mask?: Uint8Array) {
  return buildProfile({
    timeSteps: 4,
    meta: { name: mask ? 'pruned' : 'dense' },
    layers: [
      linearLayer({ name: 'fc1', input: 'analog', steps: 1, inFeatures: 16, outFeatures: 8, weights: mask }),
      linearLayer({ name: 'fc2', inFeatures: 8, outFeatures: 2, activity: { kind: 'rate', rate: 0.25 } }),
    ],
  });
}
const half = Uint8Array.from({ length: 128 }, (_, i) => i % 2);

describe('cost report', () => {
  it('JSON line carries the CLI fields', () => {
    const r = estimateCost(mlp(), { presets: ['45nm-fp32', '45nm-int8'] });
    const j = JSON.parse(formatCostReport(r, { format: 'json' }));
    // fc1: 16 * 8 analog MACs; fc2: 0.25 * 4 steps * 8 inputs * 2 outputs = 16 ACs
    expect(j).toMatchObject({
      denseMACs: 128 + 16,
      effectiveMACs: 128,
      effectiveACs: 16,
      cores: 2,
      chips: 1,
      chip: 'loihi',
    });
    expect(j.energyPicojoules).toBeCloseTo(128 * 4.6 + 16 * 0.9, 9);
    expect(j.energy['45nm-int8']).toBeCloseTo(128 * 0.23 + 16 * 0.03, 9);
    expect(formatCostReport(r, { format: 'json' })).not.toContain('\n');
  });

  it('text table lists layers, totals, energy and the chip', () => {
    const text = formatCostReport(estimateCost(mlp(), { presets: ['45nm-fp32', '45nm-fp32-sram'] }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('dense: per sample, T = 4');
    expect(lines[1]).toMatch(/^layer\s+kind\s+input\s+dense MACs\s+eff\. ACs/);
    expect(lines[2]).toMatch(/^fc1\s+linear\s+analog\s+128\s+0\s+128\s+32\s+0\.0%\s+0\.0%\s+1\s+-$/);
    expect(lines[4]).toMatch(/^total\s+144\s+16\s+128/);
    expect(text).toMatch(/energy 45nm-fp32: 603 pJ per sample/);
    expect(text).toMatch(/energy 45nm-fp32-sram: .* memory /);
    expect(text).toMatch(/chip loihi: 2 cores on 1 chip/);
  });

  it('compares dense and pruned side by side', () => {
    const a = estimateCost(mlp());
    const b = estimateCost(mlp(half));
    const c = compareCosts(a, b);
    expect(c.savings.effectiveMACs).toBe(0.5);
    expect(c.savings.nonzeroWeights).toBeCloseTo(64 / 144, 12);
    expect(c.savings.energyPicojoules).toBeCloseTo(1 - (64 * 4.6 + 16 * 0.9) / (128 * 4.6 + 16 * 0.9), 12);
    const text = formatComparison(a, b);
    expect(text).toMatch(/^per sample\s+dense\s+pruned\s+saving$/m);
    expect(text).toMatch(/^effective MACs\s+128\s+64\s+50\.0% \(2\.00x\)$/m);
    expect(text).toMatch(/^loihi cores\s+2\s+2\s+0\.0%/m);
    expect(JSON.parse(formatComparison(a, b, { format: 'json' })).savings.effectiveMACs).toBe(0.5);
  });

  it('formats numbers readably', () => {
    expect(formatCount(627200)).toBe('627k');
    expect(formatCount(1.5e9)).toBe('1.50G');
    expect(formatCount(42)).toBe('42');
    expect(formatEnergy(2.5e6)).toBe('2.50 µJ');
    expect(formatEnergy(12.3)).toBe('12.3 pJ');
  });
});
