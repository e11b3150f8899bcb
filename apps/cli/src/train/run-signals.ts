/** The signals that stop a run cleanly: a terminal's Ctrl-C, a scheduler's or container's stop, a closed terminal. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * While installed, the first stop signal aborts `signal` (the trainer stops after the running step)
 * and is remembered; the handlers are then removed, so a second signal kills the process at once.
 */
export class StopOnSignals {
  private readonly controller = new AbortController();
  /** The signal that stopped the run (SIGINT until one arrives). */
  received: StopSignal = 'SIGINT';

  constructor(private readonly onStop: (signal: StopSignal) => void) {
    for (const s of STOP_SIGNALS) process.on(s, this.handle);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  private readonly handle = (signal: StopSignal) => {
    this.received = signal;
    this.dispose();
    this.onStop(signal);
    this.controller.abort();
  };

  dispose(): void {
    for (const s of STOP_SIGNALS) process.off(s, this.handle);
  }
}
