import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradR } from './gradr.js';
import { fakeModel, grads, step, values } from './test-fixtures.js';

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
});

const ctx = { tf, lr: 0.01, seed: 0 };
const close = (a: number[], b: number[], tol = 1e-6) => {
  expect(a).toHaveLength(b.length);
  for (const [i, x] of a.entries())
    expect(Math.abs(x - b[i]), `index ${i}: ${x} vs ${b[i]}`).toBeLessThan(tol);
};

describe('Grad R', () => {
  it('starts dense with θ = |w₀| and a fixed sign, and owns the prunable weights', () => {
    const model = fakeModel({ fc: { values: [0.5, -0.3, 0, -0.1], shape: [2, 2] } });
    const g = new GradR();
    g.attach(model, ctx);
    expect([...g.ownedParameters()]).toEqual(['fc']);
    const state = g.getState();
    close(values(state.tensors.get('theta/fc')!), [0.5, 0.3, 0, 0.1]);
    expect(values(state.tensors.get('sign/fc')!)).toEqual([1, -1, 1, -1]);
    expect(g.mu).toBeCloseTo(Math.log(0.1) / 1e-3, 6); // ≈ −2302.6
    g.dispose();
  });

  it('the prior moves every θ down by α·η_t, η_t = lr / (1 − β1ᵗ) (zero gradient)', () => {
    const w0 = [0.5, -0.3, 0.2, -0.1];
    const model = fakeModel({ fc: { values: w0, shape: [2, 2] } });
    const g = new GradR({ alpha: 1e-3, targetSparsity: 0.95 });
    g.attach(model, ctx);
    const zero = () => grads({ fc: [0, 0, 0, 0] }, { fc: [2, 2] });
    g.applyGradients(zero(), step(1));
    // η_1 = 0.01 / 0.1 = 0.1 → every θ moves by 1e-4
    close(values(g.getState().tensors.get('theta/fc')!), [0.4999, 0.2999, 0.1999, 0.0999]);
    g.applyGradients(zero(), step(2));
    // η_2 = 0.01 / 0.19 → another 5.263158e-5
    const moved = 1e-4 + 1e-3 * (0.01 / 0.19);
    close(
      values(g.getState().tensors.get('theta/fc')!),
      w0.map((w) => Math.abs(w) - moved),
    );
    // and the model's weight is w = s·ReLU(θ)
    close(
      values(model.prunableWeights()[0][1]),
      w0.map((w) => Math.sign(w) * (Math.abs(w) - moved)),
    );
    g.dispose();
  });

  it("priorStep: 'lr' moves every θ by α·lr instead (the PyTorch reference script's rule)", () => {
    const w0 = [0.5, -0.3];
    const model = fakeModel({ fc: { values: w0, shape: [2] } });
    const g = new GradR({ alpha: 1e-3, priorStep: 'lr' });
    g.attach(model, ctx);
    const zero = () => grads({ fc: [0, 0] }, { fc: [2] });
    g.applyGradients(zero(), step(1));
    g.applyGradients(zero(), step(2));
    // lr = 0.01 at both steps: 2 · 1e-3 · 0.01, no bias correction
    close(values(g.getState().tensors.get('theta/fc')!), [0.5 - 2e-5, 0.3 - 2e-5]);
    g.dispose();
    expect(() => new GradR({ priorStep: 'eta' as 'lr' })).toThrow(/priorStep/);
  });

  it('the prior pulls θ towards μ from both sides (μ = ln(2(1 − p)) / α)', () => {
    const model = fakeModel({ fc: { values: [0.1, 0.3], shape: [2] } });
    const g = new GradR({ alpha: 1, targetSparsity: 0.75 }); // μ = ln 0.5 ≈ −0.693
    g.attach(model, ctx);
    const s = g.getState();
    g.setState({
      json: { learner: 'gradr', t: 0 },
      tensors: new Map([
        ['theta/fc', tf.tensor([-1, 0.3])],
        ['sign/fc', s.tensors.get('sign/fc')!],
        ['counts/fc', tf.tensor([0, 0], [2], 'int32')],
      ]),
    });
    g.applyGradients(grads({ fc: [0, 0] }, { fc: [2] }), step(1));
    // α·η_1 = 1 · 0.1: the θ below μ moves up, the one above moves down
    close(values(g.getState().tensors.get('theta/fc')!), [-0.9, 0.2]);
    g.dispose();
  });

  it('a pruned synapse keeps its gradient s·∂L/∂w and regrows when the gradient reverses', () => {
    // two synapses of opposite sign; hand-computed Adam (β = 0.9, 0.999, lr 0.01) + prior (α = 1e-3)
    const model = fakeModel({ fc: { values: [0.001, -0.001], shape: [2] } });
    const w = model.prunableWeights()[0][1];
    const g = new GradR({ alpha: 1e-3 });
    g.attach(model, ctx);
    g.report();
    const theta = () => values(g.getState().tensors.get('theta/fc')!);
    // ∂L/∂w pushes both weights towards 0: s·g = +1 for both
    g.applyGradients(grads({ fc: [1, -1] }, { fc: [2] }), step(1));
    close(theta(), [-0.0091, -0.0091]); // 0.001 − 0.01·1/(1 + 1e-8) − 1e-3·0.1
    expect(values(w)).toEqual([0, 0]);
    expect(g.report()).toMatchObject({ connectivity: 0, pruned: 2, regrown: 0 });
    // the gradient reverses; the pruned θ still move although w = 0 (a true ReLU gradient would be 0)
    const reversed = () => grads({ fc: [-1, 1] }, { fc: [2] });
    g.applyGradients(reversed(), step(2));
    close(theta(), [-0.0086263157, -0.0086263157]);
    g.applyGradients(reversed(), step(3));
    close(theta(), [-0.0046410759, -0.0046410759]);
    expect(values(w)).toEqual([0, 0]);
    g.applyGradients(reversed(), step(4));
    close(theta(), [0.0010902413, 0.0010902413]);
    // regrown with the original signs
    close(values(w), [0.0010902413, -0.0010902413]);
    expect(g.report()).toMatchObject({ connectivity: 1, pruned: 0, regrown: 2 });
    g.dispose();
  });

  it('rejects p < 0.5, α ≤ 0 and unknown options with clear errors', () => {
    expect(() => new GradR({ targetSparsity: 0.4 })).toThrow(
      /gradr: option "targetSparsity" must be in \[0\.5, 1\).*got 0\.4/,
    );
    expect(() => new GradR({ targetSparsity: 1 })).toThrow(/targetSparsity/);
    expect(() => new GradR({ alpha: 0 })).toThrow(/gradr: option "alpha" expects a number > 0, got 0/);
    expect(() => new GradR({ alpha: 'lots' as unknown as number })).toThrow(/expects a finite number/);
    expect(() => new GradR({ alfa: 1 } as never)).toThrow(/unknown option "alfa"; expected: alpha/);
    // CLI strings are accepted when they are numbers
    expect(new GradR({ alpha: '0.05' as unknown as number }).options.alpha).toBe(0.05);
  });

  it('state round trip: a restored learner continues exactly', () => {
    const w0 = [0.02, -0.01, 0.005, -0.03, 0.001, 0.04];
    const seq = [
      [1, -2, 0.5, 0.1, 3, -1],
      [-1, 2, 0.5, -0.3, -3, 1],
      [0.2, 0.2, -4, 1, 1, 1],
      [-2, 1, 0.5, 0.5, -1, 0],
    ];
    const run = (steps: number[][], g: GradR, from: number) =>
      steps.forEach((v, i) => {
        g.applyGradients(grads({ fc: v }, { fc: [2, 3] }), step(from + i));
      });
    const a = new GradR({ alpha: 0.5 });
    const ma = fakeModel({ fc: { values: w0, shape: [2, 3] } });
    a.attach(ma, ctx);
    run(seq, a, 1);
    const b = new GradR({ alpha: 0.5 });
    const mb = fakeModel({ fc: { values: w0, shape: [2, 3] } });
    b.attach(mb, ctx);
    run(seq.slice(0, 2), b, 1);
    const saved = b.getState();
    const copy = {
      json: JSON.parse(JSON.stringify(saved.json)),
      tensors: new Map([...saved.tensors].map(([k, t]) => [k, tf.clone(t)])),
    };
    b.dispose();
    const c = new GradR({ alpha: 0.5 });
    const mc = fakeModel({ fc: { values: w0, shape: [2, 3] } });
    c.attach(mc, ctx);
    c.setState(copy);
    run(seq.slice(2), c, 3);
    expect(values(c.getState().tensors.get('theta/fc')!)).toEqual(
      values(a.getState().tensors.get('theta/fc')!),
    );
    expect(values(mc.prunableWeights()[0][1])).toEqual(values(ma.prunableWeights()[0][1]));
    expect(() => new GradR().setState(copy)).toThrow(/setState needs attach\(\) first/);
    a.dispose();
    c.dispose();
  });
});
