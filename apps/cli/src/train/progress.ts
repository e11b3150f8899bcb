import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr with ETA, the live loss, the epoch's running training accuracy and the
 * connectivity; silent when stderr is not a terminal or in quiet mode.
 */
export class EpochProgress {
  private bar: cliProgress.SingleBar | null = null;

  constructor(private readonly enabled: boolean) {}

  start(epoch: number, epochs: number, total: number): void {
    if (!this.enabled) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `epoch ${epoch}/${epochs} {bar} {percentage}% | {value}/{total} batches | ETA {eta_formatted} | loss {loss} | acc {acc} | connectivity {conn}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { loss: '-', acc: '-', conn: '-' });
  }

  get active(): boolean {
    return this.bar !== null;
  }

  update(done: number, loss: number, accuracy: number, connectivity?: number): void {
    this.bar?.update(done, {
      loss: loss.toFixed(4),
      acc: `${(100 * accuracy).toFixed(1)}%`,
      ...(connectivity === undefined ? {} : { conn: connectivity.toFixed(4) }),
    });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
