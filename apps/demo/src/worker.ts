// The training worker: tfjs (wasm backend) and the whole training loop live here, so the page stays responsive.
import { initBackend, MODEL_NAMES } from '@synaptogen/nn';
import { describeLearner, listLearners } from '@synaptogen/structure';
import type { DemoData } from './data/dataset.js';
import { type LoadOptions, loadDemoData, sourceKey } from './data/load.js';
import { exportRun } from './export.js';
import type { DataSource, FromWorker, ToWorker } from './protocol.js';
import { DemoSession } from './session.js';

/** The parts of DedicatedWorkerGlobalScope used here (the DOM lib types `self` as a Window). */
const scope = self as unknown as {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
};

/** Zoo models offered: the MLP trains on stock tfjs-backend-wasm; conv needs wasm-simd's conv gradients. */
const MLP_MODELS = MODEL_NAMES.filter((m) => m === 'gradr-mnist-mlp');
const CONV_MODELS = MODEL_NAMES.filter((m) => m === 'conv-small');

/**
 * Installs `@synaptogen/wasm-simd`'s kernels (conv gradients, fused neuron steps) on the wasm backend.
 * Optional: without them the page still trains the MLP on tfjs' stock kernels.
 */
async function installKernels(
  threads: number | undefined,
): Promise<{ kernels: string; threads: number; models: string[] }> {
  try {
    const { useWasmSimd } = await import('@synaptogen/wasm-simd');
    // threads (default: the cores) need SharedArrayBuffer: one where the worker is not cross-origin isolated
    const reg = await useWasmSimd({ threads });
    return {
      kernels: `@synaptogen/wasm-simd (${reg.kernels.length} kernels, ${reg.threads} thread${reg.threads > 1 ? 's' : ''})`,
      threads: reg.threads,
      models: [...MLP_MODELS, ...CONV_MODELS],
    };
  } catch (e) {
    return {
      kernels: `stock tfjs-backend-wasm (wasm-simd unavailable: ${(e as Error).message})`,
      threads: 1,
      models: MLP_MODELS,
    };
  }
}

let session: DemoSession | null = null;
let cached: { key: string; data: DemoData } | null = null;

const emit = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

async function loadData(source: DataSource, o: LoadOptions): Promise<DemoData> {
  const key = sourceKey(source, o);
  if (cached?.key === key) return cached.data;
  cached = null; // a new dataset: let the old one go before reading the next
  emit({ type: 'status', text: `loading ${source.dataset}…` });
  const data = await loadDemoData(source, o);
  cached = { key, data };
  return data;
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'init': {
      const backend = await initBackend({ backend: 'wasm', wasmPaths: msg.wasmPaths });
      // threaded only when the page is cross-origin isolated (the dev and preview servers send COOP/COEP)
      const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
      const tfjsThreads = getThreadsCount();
      const { kernels, threads, models } = await installKernels(msg.threads);
      const learners = listLearners().map((name) => ({ name, description: describeLearner(name) ?? '' }));
      const isolated = (self as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      emit({
        type: 'ready',
        backend: `${backend} (${tfjsThreads} thread${tfjsThreads > 1 ? 's' : ''})`,
        kernels,
        mode: { isolated, tfjsThreads, kernelThreads: threads },
        learners,
        models,
      });
      return;
    }
    case 'start': {
      session?.stop();
      session?.dispose();
      session = null;
      const data = await loadData(msg.data, msg.config);
      session = new DemoSession(msg.config, data, emit);
      await session.run();
      return;
    }
    case 'pause':
      session?.pause();
      return;
    case 'resume':
      session?.resume();
      return;
    case 'stop':
      session?.stop();
      return;
    case 'export': {
      if (!session) throw new Error('no network to export yet: start training first');
      const { fileName, bytes } = await exportRun(session, msg.format);
      emit({ type: 'export', fileName, bytes }, [bytes.buffer as ArrayBuffer]);
      return;
    }
  }
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((e: unknown) =>
    emit({ type: 'error', message: (e as Error).message ?? String(e) }),
  );
};
