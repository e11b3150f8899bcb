/** An image (or frame) dataset held in memory: `count` samples, each `channels x height x width` (CHW). */
export interface ImageDataset {
  /** Pixels, sample-major then CHW. Bytes for image datasets, float frames for event datasets. */
  images: Uint8Array | Float32Array;
  /** Class index per sample. */
  labels: Uint8Array;
  count: number;
  channels: number;
  height: number;
  width: number;
  classes: number;
  /** Frames per sample for event datasets (`images` is then `[count, T, 2, H, W]`). */
  timesteps?: number;
  /** Per-channel mean and std of the pixels scaled to [0, 1], for normalisation. */
  mean?: number[];
  std?: number[];
  /** Secondary labels (CIFAR-100 coarse classes). */
  coarseLabels?: Uint8Array;
  /** Class names in label order, when known. */
  classNames?: string[];
}

export type Split = 'train' | 'test';
