import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'wasm' | 'cpu';

/** What an accelerator installed: the kernels it now serves and the threads they run on. */
export interface AcceleratorInfo {
  threads: number;
  kernels: readonly string[];
}

/**
 * Extra kernels for a started backend (e.g. `wasmSimd()` from `@synaptogen/wasm-simd`). nn only
 * declares the contract, so that the library never imports the kernel package: apps pass it in.
 */
export interface Accelerator {
  /** Shown in reports, e.g. "@synaptogen/wasm-simd". */
  readonly name: string;
  /** Installs the kernels for `backend`; resolves to what is active. */
  install(backend: BackendName): Promise<AcceleratorInfo>;
}

export interface BackendOptions {
  /** 'wasm' (default), 'cpu' (the slow reference), or 'auto': wasm, falling back to cpu. */
  backend?: BackendName | 'auto';
  /** Where the browser finds tfjs-backend-wasm's .wasm files (tfjs' setWasmPaths); Node finds them itself. */
  wasmPaths?: string | Record<string, string>;
  /** Kernels installed on top of the backend (the fast path); none by default. */
  accelerator?: Accelerator;
}

/** What runs the tensors: the tfjs backend, its own SIMD/threads, and the accelerator's kernels. */
export interface BackendInfo {
  backend: BackendName;
  /** tfjs-backend-wasm's own SIMD build (null on cpu). */
  wasmSimd: boolean | null;
  /** tfjs-backend-wasm's own threads (1 in Node; null on cpu). */
  wasmThreads: number | null;
  /** The accelerator installed by `initBackend`, or null (stock kernels only). */
  accelerator: (AcceleratorInfo & { name: string }) | null;
}

let current: BackendInfo | null = null;

/**
 * Selects and initialises the tfjs backend, then installs `options.accelerator` when given. The
 * backends are loaded on demand, so an app that only uses cpu never loads wasm. Also turns off tfjs'
 * debug checks and its Node banner (PROD). `backendInfo()` tells afterwards what is active.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendName> {
  const backend = await startBackend(options);
  let accelerator: BackendInfo['accelerator'] = null;
  if (options.accelerator) {
    const info = await options.accelerator.install(backend);
    accelerator = { name: options.accelerator.name, threads: info.threads, kernels: [...info.kernels] };
  }
  current = { backend, ...(await wasmFeatures(backend)), accelerator };
  return backend;
}

/** The backend `initBackend` started and what it installed (null before the first call). */
export function backendInfo(): BackendInfo | null {
  return current;
}

async function startBackend(options: BackendOptions): Promise<BackendName> {
  const wanted = options.backend ?? 'wasm';
  tf.env().set('PROD', true);
  if (wanted === 'wasm' || wanted === 'auto') {
    try {
      const wasm = await importBackend('wasm', () => import('@tensorflow/tfjs-backend-wasm'));
      if (options.wasmPaths) wasm.setWasmPaths(options.wasmPaths as string);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return 'wasm';
      }
      throw new Error('tf.setBackend("wasm") returned false');
    } catch (e) {
      if (wanted === 'wasm') throw new Error(`could not start the wasm backend: ${(e as Error).message}`);
    }
  }
  if (wanted !== 'cpu' && wanted !== 'auto') {
    throw new Error(`unknown backend "${wanted}"; expected wasm, cpu or auto`);
  }
  await importBackend('cpu', () => import('@tensorflow/tfjs-backend-cpu'));
  if (!(await tf.setBackend('cpu'))) throw new Error('could not start the cpu backend');
  await tf.ready();
  return 'cpu';
}

/** The backends are optional peers: a missing one is named with the package to install. */
async function importBackend<T>(name: BackendName, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new Error(
        `the ${name} backend is not installed: npm install @tensorflow/tfjs-backend-${name} (an optional peer of @synaptogen/nn)`,
      );
    throw e;
  }
}

async function wasmFeatures(backend: BackendName): Promise<Pick<BackendInfo, 'wasmSimd' | 'wasmThreads'>> {
  if (backend !== 'wasm') return { wasmSimd: null, wasmThreads: null };
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  return {
    wasmSimd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    wasmThreads: wasm.getThreadsCount(),
  };
}
