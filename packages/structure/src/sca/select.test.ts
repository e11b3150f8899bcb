import { describe, expect, it } from 'vitest';
import { selectChannels } from './select.js';

const f = (...v: number[]) => Float32Array.from(v);
const masks = (s: ReturnType<typeof selectChannels>) => s.masks.map((m) => Array.from(m));

describe('SCA channel selection', () => {
  it('ranks channels globally across layers (no per-layer quota)', () => {
    const s = selectChannels({
      scores: [f(0.9, 0.1, 0.5), f(0.8, 0.7, 0.2, 0.05)],
      gammaGrads: [f(0, 0, 0), f(0, 0, 0, 0)],
      sparsity: 0.5,
      regrow: 0,
      minPerLayer: 0,
    });
    // N = 7, keep round(3.5) = 4: 0.9, 0.8, 0.7, 0.5 → layer 0 keeps 2 of 3, layer 1 keeps 2 of 4
    expect(masks(s)).toEqual([
      [1, 0, 1],
      [1, 1, 0, 0],
    ]);
    expect([s.keptByScore, s.regrown, s.total]).toEqual([4, 0, 7]);
  });

  it('a layer can lose everything to the ranking unless minPerLayer keeps its best channels', () => {
    const input = {
      scores: [f(5, 6, 7), f(0.1, 0.2)],
      gammaGrads: [f(0, 0, 0), f(0, 0)],
      sparsity: 0.6,
      regrow: 0,
    };
    expect(masks(selectChannels({ ...input, minPerLayer: 0 }))).toEqual([
      [0, 1, 1],
      [0, 0],
    ]);
    expect(masks(selectChannels({ ...input, minPerLayer: 1 }))).toEqual([
      [0, 0, 1],
      [0, 1],
    ]);
  });

  it('regrowth picks the masked channels with the largest |∂L/∂γ|, whatever their score', () => {
    const s = selectChannels({
      scores: [f(1, 0.9, 0.1), f(0.2, 0.05)],
      // masked after pruning to round(0.4·5) = 2: the 0.2, 0.1 and 0.05 channels; |−3| is the largest
      gammaGrads: [f(100, 100, 0.5), f(1, -3)],
      sparsity: 0.4,
      regrow: 0.2,
      minPerLayer: 0,
    });
    expect(masks(s)).toEqual([
      [1, 1, 0],
      [0, 1],
    ]);
    expect([s.keptByScore, s.regrown]).toEqual([2, 1]);
  });

  it('equal gradients fall back to the score', () => {
    const s = selectChannels({
      scores: [f(1, 0.2, 0.5, 0.3)],
      gammaGrads: [f(0, 0, 0, 0)],
      sparsity: 0.5,
      regrow: 0.25,
      minPerLayer: 0,
    });
    expect(masks(s)).toEqual([[1, 0, 1, 0]]);
  });

  it('kept fraction is 1 − p; ties resolve to the lower index; bad ratios are rejected', () => {
    const scores = [new Float32Array(50).fill(1), new Float32Array(50).fill(1)];
    const grads = scores.map((s) => new Float32Array(s.length));
    const s = selectChannels({ scores, gammaGrads: grads, sparsity: 0.7, regrow: 0.1, minPerLayer: 0 });
    const kept = s.masks.reduce((a, m) => a + m.reduce((x, y) => x + y, 0), 0);
    expect(kept).toBe(30);
    expect(Array.from(s.masks[0].slice(0, 20))).toEqual(new Array(20).fill(1));
    expect(() => selectChannels({ scores, gammaGrads: grads, sparsity: 0.8, regrow: 0.3 })).toThrow(
      /sparsity \+ regrow ≤ 1/,
    );
  });
});
