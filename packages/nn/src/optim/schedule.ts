/** Learning rate for an epoch (0-based). */
export type LrSchedule = (epoch: number) => number;

/** Step decay: lr · gamma^floor(epoch / stepSize) (PyTorch StepLR). */
export function stepLr(baseLr: number, stepSize: number, gamma = 0.1): LrSchedule {
  if (!(stepSize >= 1)) throw new Error(`stepLr: stepSize must be ≥ 1, got ${stepSize}`);
  return (epoch) => baseLr * gamma ** Math.floor(epoch / stepSize);
}

export const constantLr =
  (lr: number): LrSchedule =>
  () =>
    lr;
