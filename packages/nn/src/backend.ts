import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'wasm' | 'cpu';

export interface BackendOptions {
  /** 'wasm' (default), 'cpu' (the slow reference), or 'auto': wasm, falling back to cpu. */
  backend?: BackendName | 'auto';
  /** Where the browser finds tfjs-backend-wasm's .wasm files (tfjs' setWasmPaths); Node finds them itself. */
  wasmPaths?: string | Record<string, string>;
}

/**
 * Selects and initialises the tfjs backend. The backends are loaded on demand, so an app that only
 * uses cpu never loads wasm. Also turns off tfjs' debug checks and its Node banner (PROD).
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendName> {
  const wanted = options.backend ?? 'wasm';
  tf.env().set('PROD', true);
  if (wanted === 'wasm' || wanted === 'auto') {
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
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
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error('could not start the cpu backend');
  await tf.ready();
  return 'cpu';
}
