import { cifarFromFiles } from './cifar.js';
import type { DataSource, DemoData } from './dataset.js';
import { idxData, mnistFromFiles, mnistFromUrl } from './idx.js';
import { nmnistFromFiles } from './nmnist.js';

/** What a run needs of its data source: the time steps (event frames) and how many samples it uses. */
export interface LoadOptions {
  timesteps: number;
  trainSamples: number;
  testSamples: number;
}

/** Reads the data a run trains on, from the dev server or from the files the user picked. */
export async function loadDemoData(source: DataSource, o: LoadOptions): Promise<DemoData> {
  if (source.kind === 'url') return idxData('mnist', await mnistFromUrl(source.base));
  switch (source.dataset) {
    case 'mnist':
    case 'fashion-mnist':
      return idxData(source.dataset, await mnistFromFiles(source.files));
    case 'cifar10':
      return cifarFromFiles(source.files);
    case 'nmnist':
      return nmnistFromFiles(source.files, o.timesteps, { train: o.trainSamples, test: o.testSamples });
  }
}

/** The cache key of a source: event frames depend on T and on how many recordings were integrated. */
export function sourceKey(source: DataSource, o: LoadOptions): string {
  const files =
    source.kind === 'url' ? source.base : source.files.map((f) => `${f.name}/${f.size}`).join(',');
  return `${source.dataset}:${files}${source.dataset === 'nmnist' ? `:T${o.timesteps}:${o.trainSamples}/${o.testSamples}` : ''}`;
}
