import type { ModelConfig } from '@synaptogen/nn';
import { encodeCheckpoint, MANIFEST_FILE, manifestDigestText } from '@synaptogen/nn/checkpoint';
import type * as tf from '@tensorflow/tfjs-core';
import { zipSync } from 'fflate';

async function sha256Hex(input: Uint8Array | string): Promise<string> {
  const data = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const digest = await crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A synaptogen checkpoint directory (`<name>/manifest.json` + `<name>/weights.bin`, the layout
 * `@synaptogen/nn/node`'s loadCheckpoint reads) packed as a zip, so a browser can offer it as one
 * download. Unzipped, it is a run directory for `synaptogen report` and `synaptogen train --resume`.
 */
export async function checkpointZip(
  name: string,
  model: ModelConfig,
  tensors: ReadonlyMap<string, tf.Tensor>,
  meta: Record<string, unknown>,
): Promise<Uint8Array> {
  const { manifest, data } = await encodeCheckpoint(model, tensors, meta);
  // loaders require both checksums
  manifest.weightsSha256 = await sha256Hex(data);
  manifest.manifestSha256 = await sha256Hex(manifestDigestText(manifest));
  const json = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  // stored, not deflated: float weights barely compress and deflating ~20 MB stalls the worker for seconds
  return zipSync({ [name]: { [MANIFEST_FILE]: json, [manifest.weightsFile]: data } }, { level: 0 });
}
