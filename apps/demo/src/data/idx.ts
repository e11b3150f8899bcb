import type { ImageDataset } from '@synaptogen/datasets/core';
import { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES, parseIdx } from '@synaptogen/datasets/formats';
import type { DemoData } from './dataset.js';

export type MnistSplit = 'train' | 't10k';
const KINDS = ['train-images', 'train-labels', 't10k-images', 't10k-labels'] as const;
type Kind = (typeof KINDS)[number];
const MAGIC: Record<'images' | 'labels', number> = { images: 0x803, labels: 0x801 };

/** gzip (1f 8b) is inflated with the platform's DecompressionStream; raw IDX bytes pass through. */
export async function maybeGunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Which MNIST file a name is: `train-images-idx3-ubyte(.gz)`, also the `train-images.idx3-ubyte` spelling. */
export function mnistKind(fileName: string): Kind | undefined {
  const name = fileName.toLowerCase();
  return KINDS.find((k) => name.startsWith(`${k}-idx`) || name.startsWith(`${k}.idx`));
}

function toDataset(images: Uint8Array, labels: Uint8Array, names: [string, string]): ImageDataset {
  const img = parseIdx(images, names[0], MAGIC.images);
  const lab = parseIdx(labels, names[1], MAGIC.labels);
  const [count, height, width] = img.dims;
  if (img.dims.length !== 3)
    throw new Error(`${names[0]}: expected 3 dimensions (count × 28 × 28), got ${img.dims.join(' × ')}`);
  if (lab.dims[0] !== count)
    throw new Error(`${names[1]}: has ${lab.dims[0]} labels but ${names[0]} has ${count} images`);
  for (const l of lab.data)
    if (l > 9)
      throw new Error(`${names[1]}: label ${l} is outside 0..9 (not an MNIST or Fashion-MNIST label file?)`);
  return { images: img.data, labels: lab.data, count, channels: 1, height, width, classes: 10 };
}

export interface Mnist {
  train: ImageDataset;
  test: ImageDataset;
}

/** Reads the four MNIST IDX files from named byte sources (file picker or HTTP). */
export async function readMnist(
  read: (kind: Kind) => Promise<{ name: string; bytes: Uint8Array }>,
): Promise<Mnist> {
  const files = await Promise.all(
    KINDS.map(async (k) => {
      const f = await read(k);
      return { name: f.name, bytes: await maybeGunzip(f.bytes) };
    }),
  );
  const [trImg, trLab, teImg, teLab] = files;
  return {
    train: toDataset(trImg.bytes, trLab.bytes, [trImg.name, trLab.name]),
    test: toDataset(teImg.bytes, teLab.bytes, [teImg.name, teLab.name]),
  };
}

/** MNIST or Fashion-MNIST (the same four IDX files) with its class names. */
export function idxData(name: 'mnist' | 'fashion-mnist', { train, test }: Mnist): DemoData {
  const classNames = name === 'mnist' ? MNIST_CLASS_NAMES : FASHION_MNIST_CLASS_NAMES;
  return { name, train: { ...train, classNames }, test: { ...test, classNames }, classNames };
}

/** MNIST (or Fashion-MNIST) from files the user picked: all four must be there, matched by name. */
export function mnistFromFiles(files: readonly File[]): Promise<Mnist> {
  const byKind = new Map<Kind, File>();
  for (const f of files) {
    const kind = mnistKind(f.name);
    if (kind) byKind.set(kind, f);
  }
  const missing = KINDS.filter((k) => !byKind.has(k));
  if (missing.length)
    return Promise.reject(
      new Error(
        `pick the four IDX files (raw or .gz); missing: ${missing.map((k) => `${k}-idx?-ubyte`).join(', ')} ` +
          `(got: ${files.map((f) => f.name).join(', ') || 'nothing'})`,
      ),
    );
  return readMnist(async (k) => {
    const f = byKind.get(k)!;
    return { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
  });
}

/** MNIST served over HTTP (the dev server serves the data root under `data/mnist/`). */
export function mnistFromUrl(base: string, fetchFn: typeof fetch = fetch): Promise<Mnist> {
  return readMnist(async (k) => {
    const name = `${k}-idx${k.endsWith('images') ? 3 : 1}-ubyte.gz`;
    const url = new URL(name, base).href;
    const res = await fetchFn(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return { name, bytes: new Uint8Array(await res.arrayBuffer()) };
  });
}
