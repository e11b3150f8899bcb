/**
 * How many checks of a shared word a thread makes before it blocks in Atomics.wait, adapted wait by
 * wait. Spinning pays when the other thread arrives sooner than a futex wake-up (~100 µs on the
 * 2-core VM): 100k checks (~0.1–0.5 ms) made a 2-thread step as fast as PyTorch there. On a busy
 * machine, or in a browser tab, the other thread is often descheduled and the spinning thread only
 * takes a core away from useful work: the 2-thread demo page ran at 3,284 samples/s against 5,028 on
 * 1 thread. So each waiter keeps a budget between `min` and `max` checks: it grows while waits end
 * during the spin or soon after it, and shrinks while they end long after it.
 */
export interface SpinLimits {
  /** Fewest checks before blocking (the budget a busy machine settles at). */
  min: number;
  /** Most checks before blocking (the budget a quiet machine settles at). */
  max: number;
}

/** ~5–10 µs of checks: cheap beside a futex wake-up, and enough for a partner already about to finish. */
export const SPIN_CHECKS_MIN = 2_000;
/** The fixed budget this adapts from: it covered a futex wake-up on the quiet 2-core VM. */
export const SPIN_CHECKS_MAX = 100_000;
export const DEFAULT_SPIN_LIMITS: Readonly<SpinLimits> = { min: SPIN_CHECKS_MIN, max: SPIN_CHECKS_MAX };

/**
 * A blocked wait that ended within this many ms of giving up the spin: the other thread was about to
 * arrive (this covers the ~0.1–0.15 ms futex wake-up of the quiet VM), so a longer spin would have
 * caught it. A longer one means it was descheduled or busy, and spinning longer would have wasted more.
 */
export const BLOCKED_SHORT_MS = 0.3;

/**
 * The next wait's budget after one wait. `spunChecks`: the checks spun before the word changed, or -1
 * when the spin ran out and the thread blocked for `blockedMs`. Grows ×2 on a near miss (the word
 * changed in the budget's second half, or soon after it ran out), halves when the block was long.
 * Self-contained (no outer names): its source is also pasted into the worker script.
 */
export function nextSpinChecks(
  checks: number,
  spunChecks: number,
  blockedMs: number,
  min: number,
  max: number,
  blockedShortMs: number,
): number {
  const grown = Math.max(1, checks * 2);
  let next = checks;
  if (spunChecks >= 0) {
    if (spunChecks * 2 > checks) next = grown;
  } else if (blockedMs < blockedShortMs) next = grown;
  else next = Math.floor(checks / 2);
  return Math.max(min, Math.min(max, next));
}
