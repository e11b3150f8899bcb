import { DatasetFormatError } from './errors.js';

export type CifarVariant = 'cifar10' | 'cifar100';

export const CIFAR10_CLASS_NAMES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** Per-channel mean/std of CIFAR pixels in [0, 1] (the values the usual training scripts use). */
export const CIFAR_STATS: Record<CifarVariant, { mean: number[]; std: number[] }> = {
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
};

export interface CifarRecords {
  /** `[N, 3, 32, 32]` bytes (the file's R, G, B planes are already CHW). */
  images: Uint8Array;
  /** CIFAR-10 label, or the CIFAR-100 fine label. */
  labels: Uint8Array;
  /** CIFAR-100 coarse label (superclass). */
  coarseLabels?: Uint8Array;
  count: number;
}

const PIXELS = 3 * 32 * 32;

/**
 * Parses one CIFAR binary batch: records of [label][3072 pixels] (CIFAR-10) or
 * [coarse][fine][3072 pixels] (CIFAR-100). The size must be a whole number of records.
 */
export function parseCifarBatch(bytes: Uint8Array, variant: CifarVariant, file = '<cifar>'): CifarRecords {
  const labelBytes = variant === 'cifar10' ? 1 : 2;
  const record = labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % record !== 0) {
    throw new DatasetFormatError(
      'bad-size',
      `${bytes.length} bytes is not a whole number of ${record}-byte ${variant} records`,
      { file, offset: bytes.length - (bytes.length % record), expected: `a multiple of ${record} bytes` },
    );
  }
  const count = bytes.length / record;
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  const coarseLabels = variant === 'cifar100' ? new Uint8Array(count) : undefined;
  const maxLabel = variant === 'cifar10' ? 9 : 99;
  for (let i = 0; i < count; i++) {
    const at = i * record;
    const label = bytes[at + labelBytes - 1];
    if (label > maxLabel) {
      throw new DatasetFormatError('out-of-range', `label ${label} of record ${i}`, {
        file,
        offset: at + labelBytes - 1,
        expected: `a class in 0..${maxLabel}`,
      });
    }
    if (coarseLabels) {
      if (bytes[at] > 19) {
        throw new DatasetFormatError('out-of-range', `coarse label ${bytes[at]} of record ${i}`, {
          file,
          offset: at,
          expected: 'a superclass in 0..19',
        });
      }
      coarseLabels[i] = bytes[at];
    }
    labels[i] = label;
    images.set(bytes.subarray(at + labelBytes, at + record), i * PIXELS);
  }
  return { images, labels, coarseLabels, count };
}
