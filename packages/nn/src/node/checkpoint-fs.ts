import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import {
  type CheckpointData,
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  MANIFEST_FILE,
  validateManifest,
} from '../checkpoint/format.js';
import type { ModelConfig } from '../models/spiking-model.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Writes a checkpoint directory atomically: everything goes to a sibling temp directory, which then
 * replaces `dir` by rename. A crash or a bad input never leaves a half-written checkpoint under the
 * final name, and the previous checkpoint stays intact until the new one is complete.
 */
export async function saveCheckpoint(
  dir: string,
  model: ModelConfig,
  tensors: ReadonlyMap<string, tf.Tensor>,
  meta: Record<string, unknown>,
): Promise<void> {
  const target = resolve(dir);
  const { manifest, data } = await encodeCheckpoint(model, tensors, meta);
  manifest.weightsSha256 = sha256(data);
  await mkdir(dirname(target), { recursive: true });
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${suffix}`);
  const old = join(dirname(target), `.${basename(target)}.old-${suffix}`);
  await mkdir(tmp);
  try {
    await writeFile(join(tmp, manifest.weightsFile), data);
    await writeFile(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(target)) await rename(target, old);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) await rename(old, target);
    throw e;
  }
  await rm(old, { recursive: true, force: true });
}

/** Reads and verifies a checkpoint directory (manifest, sizes, SHA-256 of the weights). */
export async function loadCheckpoint(dir: string): Promise<CheckpointData> {
  const target = resolve(dir);
  const manifestPath = join(target, MANIFEST_FILE);
  if (!existsSync(target)) throw new CheckpointError(dir, 'directory does not exist');
  if (!existsSync(manifestPath))
    throw new CheckpointError(dir, `has no ${MANIFEST_FILE} (not a synaptogen checkpoint)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (e) {
    throw new CheckpointError(dir, `${MANIFEST_FILE} is not valid JSON (${(e as Error).message})`);
  }
  const manifest = validateManifest(dir, parsed);
  const weightsPath = join(target, manifest.weightsFile);
  if (!existsSync(weightsPath)) throw new CheckpointError(dir, `is missing ${manifest.weightsFile}`);
  const data = new Uint8Array(await readFile(weightsPath));
  if (
    manifest.weightsSha256 &&
    data.byteLength === manifest.weightsByteLength &&
    sha256(data) !== manifest.weightsSha256
  ) {
    throw new CheckpointError(
      dir,
      `${manifest.weightsFile} does not match its SHA-256 in the manifest (corrupt)`,
    );
  }
  return decodeCheckpoint(dir, manifest, data);
}
