import { type UseWasmSimdOptions, useWasmSimd } from './tfjs.js';

/**
 * This package as an accelerator for `initBackend({ accelerator: wasmSimd() })` of `@synaptogen/nn`
 * (a structural match: this package does not depend on nn). It installs the kernels when the backend
 * that started is wasm; on cpu (the reference backend) it installs nothing.
 */
export function wasmSimd(options: Omit<UseWasmSimdOptions, 'backendName'> = {}) {
  return {
    name: '@synaptogen/wasm-simd',
    install: async (backend: string): Promise<{ threads: number; kernels: readonly string[] }> => {
      if (backend !== 'wasm') return { threads: 1, kernels: [] };
      const reg = await useWasmSimd(options);
      return { threads: reg.threads, kernels: reg.kernels };
    },
  };
}
