import { type ImageDataset, integrateFrames, parseEvents } from '@synaptogen/datasets/core';
import { parseLabelList } from '@synaptogen/datasets/formats';
import type { DemoData } from './dataset.js';

interface Recording {
  file: File;
  label: number;
  split: 'train' | 'test' | null;
}

/** The path a picked file had under the picked folder (`Train/3/00012.bin`), else its name. */
const pathOf = (f: File) => (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;

/**
 * Labels the picked recordings: the official `Train|Test/<digit>/<id>.bin` folders give split and
 * class; `<id>.bs2` files take their class from a picked `train1K.txt` (`id<TAB>class`).
 */
async function labelled(files: readonly File[]): Promise<Recording[]> {
  const listFile = files.find((f) => /(^|\/)train1K\.txt$/i.test(pathOf(f)));
  const out: Recording[] = [];
  const byId: { file: File; id: number }[] = [];
  for (const file of files) {
    const path = pathOf(file);
    const official = /(?:^|\/)(Train|Test)\/(\d)\/[^/]+\.bin$/i.exec(path);
    const bs2 = /(?:^|\/)(\d+)\.bs2$/.exec(path);
    if (official)
      out.push({
        file,
        label: Number(official[2]),
        split: official[1].toLowerCase() === 'train' ? 'train' : 'test',
      });
    else if (bs2) byId.push({ file, id: Number(bs2[1]) });
  }
  if (byId.length) {
    if (!listFile)
      throw new Error('N-MNIST .bs2 recordings need their label list: pick train1K.txt with them');
    const labels = parseLabelList(await listFile.text(), listFile.name);
    for (const { file, id } of byId.sort((x, y) => x.id - y.id)) {
      const label = labels.get(id);
      if (label === undefined) throw new Error(`${file.name}: sample ${id} is not in ${listFile.name}`);
      out.push({ file, label, split: null });
    }
  }
  if (!out.length)
    throw new Error(
      `pick N-MNIST recordings: the Train/ and Test/ folders (<digit>/<id>.bin), or <id>.bs2 files with train1K.txt (got: ${files.length} files)`,
    );
  return out;
}

/** Every fifth recording of each class is held out for testing when no Test/ folder was picked. */
function split(recs: Recording[]): { train: Recording[]; test: Recording[] } {
  if (recs.some((r) => r.split === 'test') && recs.some((r) => r.split === 'train'))
    return { train: recs.filter((r) => r.split === 'train'), test: recs.filter((r) => r.split === 'test') };
  const seen = new Map<number, number>();
  const train: Recording[] = [];
  const test: Recording[] = [];
  for (const r of recs) {
    const n = seen.get(r.label) ?? 0;
    seen.set(r.label, n + 1);
    (n % 5 === 4 ? test : train).push(r);
  }
  return { train, test };
}

/** A class-balanced prefix: the first `limit` recordings taking classes in turn (what `limit` means for loadDataset). */
function balanced(recs: Recording[], limit: number): Recording[] {
  const byClass = Array.from({ length: 10 }, (_, c) => recs.filter((r) => r.label === c));
  const out: Recording[] = [];
  for (let i = 0; out.length < Math.min(limit, recs.length); i++)
    for (const list of byClass) if (i < list.length && out.length < limit) out.push(list[i]);
  return out;
}

async function integrate(recs: Recording[], T: number): Promise<ImageDataset> {
  const per = T * 2 * 34 * 34;
  const images = new Float32Array(recs.length * per);
  const labels = new Uint8Array(recs.length);
  for (const [i, r] of recs.entries()) {
    const ev = parseEvents(new Uint8Array(await r.file.arrayBuffer()), r.file.name, { format: 'nmnist' });
    const frames = integrateFrames(ev, { frames: T, splitBy: 'number', size: 34 });
    images.set(frames, i * per);
    labels[i] = r.label;
  }
  return {
    images,
    labels,
    count: recs.length,
    channels: 2,
    height: 34,
    width: 34,
    classes: 10,
    timesteps: T,
  };
}

/**
 * N-MNIST from picked recordings as `[T, 2, 34, 34]` event frames (T = the model's time steps, equal
 * event counts per frame, as the CLI's reader). Only the recordings the run uses are integrated.
 */
export async function nmnistFromFiles(
  files: readonly File[],
  T: number,
  limits: { train: number; test: number },
): Promise<DemoData> {
  const { train, test } = split(await labelled(files));
  if (!test.length)
    throw new Error('N-MNIST: too few recordings to hold out a test split (pick at least 5 per class)');
  const names = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
  return {
    name: 'nmnist',
    train: { ...(await integrate(balanced(train, limits.train), T)), classNames: names },
    test: { ...(await integrate(balanced(test, limits.test), T)), classNames: names },
    classNames: names,
  };
}
