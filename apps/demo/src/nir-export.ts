import { exportNirBytes } from '@synaptogen/nir';
import type { SpikingModel } from '@synaptogen/nn';

/**
 * The model as a `.nir` file to download (NIR: Sinabs/Speck, Norse, Lava/Loihi 2, SpiNNaker2, Nengo
 * and others read it). Runs in the page or the worker: `@synaptogen/nir` has no Node dependency.
 */
export function nirDownload(model: SpikingModel, name: string): { fileName: string; bytes: Uint8Array } {
  return { fileName: `${name}.nir`, bytes: exportNirBytes(model) };
}
