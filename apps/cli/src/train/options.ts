import { CliError } from '../errors.js';

/** Parsed `synaptogen train` options (flags, after defaults). */
export interface TrainOptions {
  dataset: string;
  model: string;
  learner: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  momentum: number;
  weightDecay: number;
  lrStep?: number;
  lrGamma: number;
  timesteps?: number;
  width?: number;
  seed: number;
  trainLimit?: number;
  testLimit?: number;
  dataDir?: string;
  out?: string;
  resume?: string;
  backend: 'wasm' | 'cpu' | 'auto';
  augment: boolean;
  json: boolean;
  quiet: boolean;
}

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new CliError(`${flag} expects a positive integer, got "${value}"`, 2);
    return n;
  };
}

export function nonNegativeInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new CliError(`${flag} expects an integer ≥ 0, got "${value}"`, 2);
    return n;
  };
}

export function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0)
      throw new CliError(`${flag} expects a positive number, got "${value}"`, 2);
    return n;
  };
}

export function nonNegativeNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new CliError(`${flag} expects a number ≥ 0, got "${value}"`, 2);
    return n;
  };
}

export function oneOf<T extends string>(flag: string, allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new CliError(`${flag} expects one of ${allowed.join(', ')}, got "${value}"`, 2);
    }
    return value as T;
  };
}
