import { Worker } from 'node:worker_threads';
import { type Batch, type BatchOptions, validateBatchOptions } from '../batching.js';
import type { ImageDataset } from '../types.js';

export interface WorkerBatchOptions extends Omit<BatchOptions, 'onAssembled'> {
  /** The worker script; default the package's built `batchWorker.js`. */
  workerUrl?: URL;
}

// A dataset's pixels copied once into shared memory, reused by every later epoch's worker.
const shared = new WeakMap<ImageDataset['images'], ImageDataset['images']>();

/** The dataset with its images in a SharedArrayBuffer (copied once per dataset), so a worker reads them without a copy. */
function shareImages(ds: ImageDataset): ImageDataset {
  if (ds.images.buffer instanceof SharedArrayBuffer) return ds;
  let images = shared.get(ds.images);
  if (!images) {
    const sab = new SharedArrayBuffer(ds.images.byteLength);
    images = ds.images instanceof Uint8Array ? new Uint8Array(sab) : new Float32Array(sab);
    images.set(ds.images as never);
    shared.set(ds.images, images);
  }
  return { ...ds, images };
}

/**
 * The same batches as `batches(dataset, options)` (same seed, same order, same values), assembled in a
 * worker thread: while a synchronous training step runs on the main thread, the worker builds the
 * next `prefetch` (default 2) batches. The images are copied once into shared memory per dataset.
 */
export async function* workerBatches(
  dataset: ImageDataset,
  options: WorkerBatchOptions,
): AsyncGenerator<Batch> {
  validateBatchOptions(dataset, options); // bad options fail here, as with batches()
  // Functions cannot cross to the worker; onAssembled is not part of the type but may come from JS.
  const { workerUrl, onAssembled: _dropped, ...rest } = options as WorkerBatchOptions & BatchOptions;
  const ahead = Math.max(1, options.prefetch ?? 2);
  const worker = new Worker(workerUrl ?? new URL('./batchWorker.js', import.meta.url));
  const inbox: ({ batch: Batch } | { done: true } | { error: string })[] = [];
  let notify: (() => void) | undefined;
  const push = (m: (typeof inbox)[number]) => {
    inbox.push(m);
    notify?.();
  };
  worker.on('message', push);
  worker.on('error', (err) => push({ error: String(err?.stack ?? err) }));
  worker.on('exit', (code) => push({ error: `batch worker exited with code ${code}` }));
  try {
    worker.postMessage({ dataset: shareImages(dataset), options: { ...rest, prefetch: 0 } });
    worker.postMessage({ credits: ahead });
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((r) => (notify = r));
      const m = inbox.shift()!;
      if ('done' in m) return;
      if ('error' in m) throw new Error(`batch worker failed: ${m.error}`);
      worker.postMessage({ credits: 1 });
      yield m.batch;
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
