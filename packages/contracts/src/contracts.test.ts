import { describe, expect, it } from 'vitest';
import {
  CHANNEL_SCORE_TABLE,
  CHARGE_FORM_TABLE,
  channelScoreId,
  DEFAULT_SURROGATE_ALPHA,
  kernelChargeOf,
  linearChargeOf,
  NEURON_CHARGE_KINDS,
  neuronKernelOptionsError,
  SURROGATE_NAMES,
  SURROGATE_TABLE,
  surrogateId,
} from './index.js';
import * as kernels from './kernels.js';

describe('the contract', () => {
  it('numbers the surrogates in table order, once each, with SpikingJelly default α', () => {
    expect(SURROGATE_TABLE.map((s) => s.id)).toEqual(SURROGATE_TABLE.map((_, i) => i));
    expect(new Set(SURROGATE_NAMES).size).toBe(SURROGATE_TABLE.length);
    expect(surrogateId('atan')).toBe(0);
    expect(surrogateId('rect')).toBe(7);
    expect(surrogateId('nope')).toBe(-1);
    expect(DEFAULT_SURROGATE_ALPHA).toMatchObject({ atan: 2, sigmoid: 4, erf: 2, rect: 1 });
  });

  it('numbers the native channel scores in table order', () => {
    expect(CHANNEL_SCORE_TABLE.map((s) => s.id)).toEqual(CHANNEL_SCORE_TABLE.map((_, i) => i));
    expect(channelScoreId('activity')).toBe(0);
    expect(channelScoreId('pre-reset')).toBe(2);
    expect(channelScoreId('my-plugin')).toBe(-1);
  });

  it('gives every kernel its own name', () => {
    const names = Object.values(kernels).filter((v) => typeof v === 'string');
    expect(names.length).toBe(8);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^Synaptogen[A-Z]\w+$/);
  });

  it('turns a native charge into its linear coefficients', () => {
    expect(linearChargeOf({ kind: 'IF' }, 0.3)).toEqual({ cv: 1, cx: 1, c0: 0 });
    expect(linearChargeOf({ kind: 'LIF', tau: 4, decayInput: true }, 0.2)).toEqual({
      cv: 0.75,
      cx: 0.25,
      c0: 0.05,
    });
    expect(linearChargeOf({ kind: 'LIF', tau: 2, decayInput: false }, 0)).toEqual({ cv: 0.5, cx: 1, c0: 0 });
  });

  it('describes a charge to kernels by formula id, float32 leak and the linear coefficients', () => {
    expect(CHARGE_FORM_TABLE.map((f) => f.id)).toEqual(CHARGE_FORM_TABLE.map((_, i) => i));
    expect(kernelChargeOf({ kind: 'IF' })).toEqual({ form: 'IF', formId: 0, k: 0, cv: 1, cx: 1 });
    expect(kernelChargeOf({ kind: 'LIF', tau: 4, decayInput: true })).toEqual({
      form: 'LIF-decay-input',
      formId: 1,
      k: 0.25,
      cv: 0.75,
      cx: 0.25,
    });
    const lif3 = kernelChargeOf({ kind: 'LIF', tau: 3, decayInput: false });
    expect(lif3).toMatchObject({ form: 'LIF', formId: 2, cx: 1 });
    expect(lif3.k).toBe(Math.fround(1 / 3));
    expect(lif3.k).not.toBe(1 / 3);
    expect(lif3.cv).toBe(linearChargeOf({ kind: 'LIF', tau: 3, decayInput: false }, 0).cv);
  });

  it('accepts the charges kernels implement and names what it refuses, in one line', () => {
    expect(NEURON_CHARGE_KINDS).toEqual(['IF', 'LIF']);
    expect(neuronKernelOptionsError({ kind: 'LIF', tau: 2, surrogate: 'atan', vReset: null })).toBeNull();
    expect(neuronKernelOptionsError({ kind: 'QIF' })).toBe(
      `unknown charge kind "QIF"; the native kernel runs 'IF' and 'LIF' only (run other neurons on the tfjs path)`,
    );
    expect(neuronKernelOptionsError({})).toMatch(/^unknown charge kind undefined;/);
    expect(neuronKernelOptionsError({ kind: 'IF', gain: 2, beta: 1 })).toMatch(
      /^unknown settings gain, beta in a IF description; the native kernel knows kind, tau, /,
    );
  });
});
