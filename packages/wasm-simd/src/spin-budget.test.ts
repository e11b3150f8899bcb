import { describe, expect, it } from 'vitest';
import { neuronForward } from './neurons.js';
import { loadKernels } from './runtime.js';
import { BLOCKED_SHORT_MS, nextSpinChecks, SPIN_CHECKS_MAX, SPIN_CHECKS_MIN } from './spin-budget.js';
import { seededUniform } from './test-helpers.js';
import { getSpinLimits, setSpinLimits } from './worker-pool.js';

const next = (checks: number, spun: number, blockedMs = 0) =>
  nextSpinChecks(checks, spun, blockedMs, SPIN_CHECKS_MIN, SPIN_CHECKS_MAX, BLOCKED_SHORT_MS);

describe('adaptive spin budget', () => {
  it('halves after long blocks down to the minimum, and a quiet run of near misses grows it back', () => {
    let checks = SPIN_CHECKS_MAX;
    const seen = [checks];
    for (let i = 0; i < 10; i++) {
      checks = next(checks, -1, 5);
      seen.push(checks);
    }
    expect(seen.slice(0, 4)).toEqual([100_000, 50_000, 25_000, 12_500]);
    expect(checks).toBe(SPIN_CHECKS_MIN);
    // the other thread arrived right after the spin gave up: a longer spin would have caught it
    for (let i = 0; i < 5; i++) checks = next(checks, -1, BLOCKED_SHORT_MS / 2);
    expect(checks).toBe(SPIN_CHECKS_MIN * 32);
    checks = next(checks, -1, BLOCKED_SHORT_MS / 2);
    expect(checks).toBe(SPIN_CHECKS_MAX);
  });

  it('keeps the budget when a spin succeeds early, doubles it on a success in its second half', () => {
    expect(next(8_000, 100)).toBe(8_000);
    expect(next(8_000, 4_000)).toBe(8_000);
    expect(next(8_000, 4_001)).toBe(16_000);
    expect(next(SPIN_CHECKS_MAX, SPIN_CHECKS_MAX - 1)).toBe(SPIN_CHECKS_MAX);
  });

  it('stays inside the limits, and can grow from zero', () => {
    expect(nextSpinChecks(0, -1, 0, 0, 10, 1)).toBe(1);
    expect(nextSpinChecks(50_000, -1, 0, 0, 10, 1)).toBe(10);
    expect(nextSpinChecks(1, -1, 9, 7, 10, 1)).toBe(7);
    expect(nextSpinChecks(100, 0, 0, 100, 100, 1)).toBe(100);
  });
});

describe('setSpinLimits', () => {
  it('rejects bad bounds in one line, and threads give the same results under any bounds', async () => {
    const before = getSpinLimits();
    expect(before).toEqual({ min: SPIN_CHECKS_MIN, max: SPIN_CHECKS_MAX });
    expect(() => setSpinLimits({ min: 10, max: 5 })).toThrow(/0 <= min <= max.*min: 10, max: 5/);
    expect(() => setSpinLimits({ min: -1, max: 5 })).toThrow(/setSpinLimits/);
    expect(() => setSpinLimits({ min: 0, max: 1.5 })).toThrow(/setSpinLimits/);
    const k2 = await loadKernels({ threads: 2 });
    const x = seededUniform(4 * (1 << 17), 7).map((v) => v + 0.6);
    const o = { kind: 'LIF' as const, surrogate: 'atan' as const };
    try {
      const outs = [];
      for (const limits of [before, { min: 0, max: 0 }, { min: 100_000, max: 100_000 }]) {
        setSpinLimits(limits);
        expect(getSpinLimits()).toEqual(limits);
        outs.push(neuronForward(k2, x, 4, o).h);
        expect(k2.lastParallelism).toBe(2);
      }
      expect(Buffer.from(outs[1].buffer).equals(Buffer.from(outs[0].buffer))).toBe(true);
      expect(Buffer.from(outs[2].buffer).equals(Buffer.from(outs[0].buffer))).toBe(true);
    } finally {
      setSpinLimits(before);
    }
  });
});
