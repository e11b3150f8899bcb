/**
 * When SCA revises the structure, and to which sparsity. The paper's reference: an update after
 * every epoch from the first, each to the final sparsity. The practitioner's options, all off by
 * default: a sparsity ramp over the first epochs and fine-tuning epochs at the end with the
 * structure frozen.
 */
export interface ScheduleOptions {
  /** Final channel sparsity p. */
  sparsity: number;
  /** Epochs of dense training before the first update. */
  warmup: number;
  /** Epochs between updates. */
  pruneInterval: number;
  /** Updates reach p linearly over this many epochs after the warm-up (0: p from the first update). */
  rampEpochs: number;
  /** The run's last epochs without updates (needs the run's length). */
  finetuneEpochs: number;
}

export class StructureSchedule {
  constructor(readonly options: ScheduleOptions) {}

  /**
   * The epochs of the whole run, from the host's total steps and the steps done by the end of the
   * 0-based `epoch` (every epoch has the same number of batches); undefined when the host gave none.
   */
  static totalEpochs(totalSteps: number | undefined, epoch: number, step: number): number | undefined {
    if (!totalSteps || step <= 0) return undefined;
    return Math.round((totalSteps * (epoch + 1)) / step);
  }

  /** Index of the first frozen (fine-tuning) epoch, or Infinity without fine-tuning. */
  firstFrozen(totalEpochs: number | undefined): number {
    if (!this.options.finetuneEpochs) return Number.POSITIVE_INFINITY;
    if (totalEpochs === undefined)
      throw new Error('sca: finetuneEpochs needs the run length (the host passed no totalSteps)');
    const first = totalEpochs - this.options.finetuneEpochs;
    if (first <= this.options.warmup)
      throw new Error(
        `sca: finetuneEpochs ${this.options.finetuneEpochs} leaves no epoch for a structure update in a run of ${totalEpochs} epochs with warmup ${this.options.warmup}`,
      );
    return first;
  }

  /** Whether the 0-based `epoch` ends with a structure update. */
  updatesAfter(epoch: number, totalEpochs?: number): boolean {
    const first = this.firstFrozen(totalEpochs);
    if (epoch >= first) return false;
    // the last epoch before fine-tuning always updates, so the frozen structure is a fresh one
    if (epoch === first - 1) return true;
    const done = epoch + 1 - this.options.warmup;
    return done > 0 && done % this.options.pruneInterval === 0;
  }

  /** Whether the 0-based `epoch` trains with the structure frozen. */
  frozen(epoch: number, totalEpochs?: number): boolean {
    return epoch >= this.firstFrozen(totalEpochs);
  }

  /** Sparsity of the update after the 0-based `epoch`: p, or on the ramp p·(epochs since warm-up)/rampEpochs. */
  sparsityAfter(epoch: number): number {
    const { sparsity, rampEpochs, warmup } = this.options;
    if (!rampEpochs) return sparsity;
    return sparsity * Math.min(1, Math.max(0, epoch + 1 - warmup) / rampEpochs);
  }
}
