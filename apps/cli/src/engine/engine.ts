import { backendInfo, initBackend } from '@synaptogen/nn';
import type { BackendInfo } from '@synaptogen/nn/backend';
import { wasmSimd } from '@synaptogen/wasm-simd';
import { Option } from 'commander';
import { CliError } from '../errors.js';
import { oneOf } from '../train/options.js';

export type BackendFlag = 'wasm' | 'cpu' | 'auto';

/** `--backend` and `--no-simd`, as every command that runs a model takes them. */
export interface EngineFlags {
  backend: BackendFlag;
  /** false with `--no-simd`: stock tfjs kernels only (for comparisons). */
  simd: boolean;
}

/** `--backend`, for every command that runs a model. */
export function backendOption(defaultBackend: BackendFlag = 'wasm'): Option {
  return new Option('--backend <name>', 'wasm, cpu (the slow reference) or auto')
    .argParser(oneOf('--backend', ['wasm', 'cpu', 'auto'] as const))
    .default(defaultBackend);
}

/** `--no-simd`, for every command that runs a model. */
export function simdOption(): Option {
  return new Option(
    '--no-simd',
    "stock tfjs-wasm kernels only, without @synaptogen/wasm-simd's (for comparisons)",
  );
}

/**
 * Starts the tfjs backend with the wasm-simd kernels (the fast path) unless `simd` is false. Every
 * command that runs a model starts here, so they all run on the same kernels.
 */
export async function startEngine(flags: Partial<EngineFlags> = {}): Promise<BackendInfo> {
  try {
    await initBackend({
      backend: flags.backend ?? 'wasm',
      accelerator: flags.simd === false ? undefined : wasmSimd(),
    });
  } catch (e) {
    throw new CliError(`--backend ${flags.backend ?? 'wasm'}: ${(e as Error).message}`, 1);
  }
  return backendInfo() as BackendInfo;
}
