import cliProgress from 'cli-progress';

/** A progress bar on stderr with ETA and the live loss; silent when stderr is not a terminal or in quiet mode. */
export class EpochProgress {
  private bar: cliProgress.SingleBar | null = null;

  constructor(private readonly enabled: boolean) {}

  start(epoch: number, epochs: number, total: number): void {
    if (!this.enabled) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `epoch ${epoch}/${epochs} {bar} {percentage}% | {value}/{total} batches | ETA {eta_formatted} | loss {loss}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { loss: '-' });
  }

  update(done: number, loss: number): void {
    this.bar?.update(done, { loss: loss.toFixed(4) });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
