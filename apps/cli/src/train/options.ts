import type { RecalibrateEvery } from '@synaptogen/nn/train';
import { CliError } from '../errors.js';

/** Parsed `synaptogen train` options (flags, after defaults). */
export interface TrainOptions {
  dataset: string;
  model: string;
  /** Registry name, package name or path of a plugin file (stored absolute in checkpoints). */
  learner: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'adam' | 'sgd';
  momentum: number;
  weightDecay: number;
  /** L1 penalty on conv kernels (0: none); old checkpoints' options lack it. */
  l1?: number;
  lrStep?: number;
  lrGamma: number;
  timesteps?: number;
  width?: number;
  seed: number;
  trainLimit?: number;
  testLimit?: number;
  /** Fraction of the training split held out for testing (default 0.2 where the dataset has no test split). */
  holdout?: number;
  dataDir?: string;
  out?: string;
  resume?: string;
  /** Replace the run an existing `--out` directory holds. */
  overwrite?: boolean;
  /** Warn once when some |w| exceeds this (divergence detection itself is always on). */
  warnWeightsAbove?: number;
  /** Seconds a learner plugin may take to load. */
  learnerTimeout?: number;
  config?: string;
  backend: 'wasm' | 'cpu' | 'auto';
  /** false with `--no-simd`: stock tfjs kernels, without @synaptogen/wasm-simd's. */
  simd: boolean;
  /** false with `--no-memory-check`: no up-front wasm heap estimate. */
  memoryCheck?: boolean;
  /** Samples per evaluation batch (default: `batchSize`). */
  evalBatchSize?: number;
  augment: boolean;
  json: boolean;
  quiet: boolean;
  logEvery?: number;
  /** `--curve-every`: steps between the points of the per-step curve (default: ~25 per epoch). */
  curveEvery?: number;
  // structure learner options (passed to the learner's factory when given)
  alpha?: number;
  targetSparsity?: number;
  sparsity?: number;
  regrow?: number;
  score?: string;
  maskMode?: string;
  pruneInterval?: number;
  warmup?: number;
  minKeep?: number;
  rampEpochs?: number;
  finetuneEpochs?: number;
  /** `--recalibrate-bn`: batches to recount BatchNorm statistics on after a structure change (0/undefined: off). */
  recalibrateBn?: number;
  /** `--recalibrate-bn-every`: after a structure change (default) or after every epoch. */
  recalibrateBnEvery?: RecalibrateEvery;
  /** Hardware-aware pruning: a core budget on this chip (built-in name or chip JSON file) ... */
  chip?: string;
  /** ... of at most this many cores, in place of a target sparsity. */
  maxCores?: number;
  /** `--channel-score <module>`, repeatable: channel-score plugins for SCA's `score` option. */
  channelScore?: string[];
  /** `--learner-option key=value`, repeatable: any option of a plugin. */
  learnerOption?: Record<string, unknown>;
}

/** Flags whose values go into the learner's options object, under these names. */
export const LEARNER_FLAGS = [
  'alpha',
  'targetSparsity',
  'sparsity',
  'regrow',
  'score',
  'maskMode',
  'pruneInterval',
  'warmup',
  'minKeep',
  'rampEpochs',
  'finetuneEpochs',
] as const;

/** The options object a learner factory receives: the learner flags given, then `--learner-option`s. */
export function learnerOptions(o: TrainOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of LEARNER_FLAGS) if (o[k] !== undefined) out[k] = o[k];
  return { ...out, ...(o.learnerOption ?? {}) };
}

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** `key=value` → { key: value }, accumulated; values are JSON when they parse (numbers, booleans), else strings. */
export function keyValue(flag: string) {
  return (value: string, previous: Record<string, unknown> | undefined): Record<string, unknown> => {
    const at = value.indexOf('=');
    if (at < 1) throw new CliError(`${flag} expects key=value, got "${value}"`, 2);
    const key = camel(value.slice(0, at).trim());
    const raw = value.slice(at + 1);
    let parsed: unknown = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // a plain string
    }
    return { ...(previous ?? {}), [key]: parsed };
  };
}

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new CliError(`${flag} expects a positive integer, got "${value}"`, 2);
    return n;
  };
}

/** An integer in [min, max]: bounds that keep a typo (1e9 time steps) from reaching an allocation. */
export function intInRange(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new CliError(`${flag} expects an integer from ${min} to ${max}, got "${value}"`, 2);
    return n;
  };
}

/** A number in (0, max]. */
export function positiveUpTo(flag: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n > max)
      throw new CliError(`${flag} expects a number in (0, ${max}], got "${value}"`, 2);
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

/** A fraction in (0, 1) (held-out shares). */
export function openFraction(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n >= 1)
      throw new CliError(`${flag} expects a number in (0, 1), got "${value}"`, 2);
    return n;
  };
}

/** A fraction in [0, 1) (sparsities). */
export function fraction(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n >= 1)
      throw new CliError(`${flag} expects a number in [0, 1), got "${value}"`, 2);
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
