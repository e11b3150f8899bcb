// Worker-thread side of workerBatches (Node only): assembles batches with `batches()` and posts them,
// transferring their buffers, as the main thread grants credits.
import { parentPort } from 'node:worker_threads';
import type { BatchOptions } from './batching.js';
import { batches } from './batching.js';
import type { ImageDataset } from './types.js';

interface Start {
  dataset: ImageDataset;
  options: BatchOptions;
}

const port = parentPort;
if (!port) throw new Error('batchWorker.js runs as a worker thread (see workerBatches)');

let credits = 0;
let wake: (() => void) | undefined;
port.once('message', async ({ dataset, options }: Start) => {
  port.on('message', (m: { credits: number }) => {
    credits += m.credits;
    wake?.();
  });
  try {
    for await (const b of batches(dataset, { ...options, prefetch: 0 })) {
      while (credits === 0) await new Promise<void>((r) => (wake = r));
      credits--;
      port.postMessage({ batch: b }, [b.inputs.buffer, b.labels.buffer, b.indices.buffer] as ArrayBuffer[]);
    }
    port.postMessage({ done: true });
  } catch (err) {
    port.postMessage({ error: String((err as Error)?.stack ?? err) });
  }
});
