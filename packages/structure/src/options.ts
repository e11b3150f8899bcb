/** Validation of learner options: plugins and the CLI pass plain objects, so every value is checked. */
export class LearnerOptionError extends Error {
  constructor(learner: string, message: string) {
    super(`${learner}: ${message}`);
    this.name = 'LearnerOptionError';
  }
}

export interface NumberRule {
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  integer?: boolean;
}

/** Reads options against a list of known keys; unknown keys are an error (a typo must not be ignored). */
export class OptionReader {
  constructor(
    readonly learner: string,
    readonly raw: Record<string, unknown>,
    known: readonly string[],
  ) {
    const unknown = Object.keys(raw).filter((k) => raw[k] !== undefined && !known.includes(k));
    if (unknown.length)
      throw new LearnerOptionError(
        learner,
        `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; expected: ${known.join(', ')}`,
      );
  }

  number(key: string, fallback: number, rule: NumberRule = {}): number {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    const fail = (what: string): never => {
      throw new LearnerOptionError(this.learner, `option "${key}" expects ${what}, got ${JSON.stringify(v)}`);
    };
    if (typeof n !== 'number' || !Number.isFinite(n)) fail('a finite number');
    const x = n as number;
    if (rule.integer && !Number.isInteger(x)) fail('an integer');
    if (rule.above !== undefined && !(x > rule.above)) fail(`a number > ${rule.above}`);
    if (rule.min !== undefined && x < rule.min) fail(`a number ≥ ${rule.min}`);
    if (rule.max !== undefined && x > rule.max) fail(`a number ≤ ${rule.max}`);
    return x;
  }

  optionalNumber(key: string, rule: NumberRule = {}): number | undefined {
    return this.raw[key] === undefined ? undefined : this.number(key, 0, rule);
  }

  choice<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
      throw new LearnerOptionError(
        this.learner,
        `option "${key}" expects one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`,
      );
    return v as T;
  }
}
