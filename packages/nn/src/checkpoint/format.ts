import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, SpikingModel } from '../models/spiking-model.js';
import { buildModel } from '../models/zoo.js';

export const CHECKPOINT_FORMAT = 'synaptogen-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const WEIGHTS_FILE = 'weights.bin';
export const MANIFEST_FILE = 'manifest.json';

export interface TensorEntry {
  name: string;
  dtype: 'float32' | 'int32';
  shape: number[];
  /** Byte offset in the weights file. */
  offset: number;
  byteLength: number;
}

/** `manifest.json`: everything but the tensor bytes, which live in `weights.bin`. */
export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  createdAt: string;
  model: ModelConfig;
  tensors: TensorEntry[];
  weightsFile: string;
  weightsByteLength: number;
  /** SHA-256 of the weights file (hex), checked on load. */
  weightsSha256?: string;
  /** Free JSON: trainer progress, optimizer/learner settings, metrics, run options. */
  meta: Record<string, unknown>;
}

export interface CheckpointData {
  manifest: CheckpointManifest;
  /** Tensors by name: `model/<param>`, `optimizer/<slot>/<param>`, `learner/<...>`. */
  tensors: Map<string, tf.Tensor>;
}

export class CheckpointError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`checkpoint ${path}: ${message}`);
    this.name = 'CheckpointError';
  }
}

/** Serialises named tensors and metadata into a manifest and one contiguous byte buffer. */
export async function encodeCheckpoint(
  model: ModelConfig,
  tensors: ReadonlyMap<string, tf.Tensor>,
  meta: Record<string, unknown>,
): Promise<{ manifest: CheckpointManifest; data: Uint8Array }> {
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
    const values = dtype === 'int32' ? Int32Array.from(await t.data()) : Float32Array.from(await t.data());
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    entries.push({ name, dtype, shape: [...t.shape], offset, byteLength: bytes.byteLength });
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    data.set(c, at);
    at += c.byteLength;
  }
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: new Date().toISOString(),
    model,
    tensors: entries,
    weightsFile: WEIGHTS_FILE,
    weightsByteLength: data.byteLength,
    meta,
  };
  return { manifest, data };
}

/** Validates a parsed manifest; throws CheckpointError naming what is wrong. */
export function validateManifest(path: string, m: unknown): CheckpointManifest {
  const fail = (msg: string): never => {
    throw new CheckpointError(path, msg);
  };
  if (!m || typeof m !== 'object') fail('manifest is not a JSON object');
  const man = m as CheckpointManifest;
  if (man.format !== CHECKPOINT_FORMAT)
    fail(`manifest format is "${man.format}", expected "${CHECKPOINT_FORMAT}"`);
  if (man.version !== CHECKPOINT_VERSION)
    fail(`manifest version ${man.version} is not supported (expected ${CHECKPOINT_VERSION})`);
  if (!man.model || typeof man.model.name !== 'string') fail('manifest has no model config');
  if (!Array.isArray(man.tensors)) fail('manifest has no tensor list');
  for (const e of man.tensors) {
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (e.byteLength !== count * 4)
      fail(`tensor ${e.name}: ${e.byteLength} bytes do not match shape [${e.shape}]`);
    if (e.offset < 0 || e.offset + e.byteLength > man.weightsByteLength)
      fail(`tensor ${e.name} lies outside the weights file`);
  }
  return man;
}

/** Rebuilds tensors from a validated manifest and the weights bytes. */
export function decodeCheckpoint(
  path: string,
  manifest: CheckpointManifest,
  data: Uint8Array,
): CheckpointData {
  if (data.byteLength !== manifest.weightsByteLength) {
    throw new CheckpointError(
      path,
      `${manifest.weightsFile} has ${data.byteLength} bytes, manifest says ${manifest.weightsByteLength} (truncated or corrupt)`,
    );
  }
  const tensors = new Map<string, tf.Tensor>();
  const buf = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  for (const e of manifest.tensors) {
    const values =
      e.dtype === 'int32'
        ? new Int32Array(buf, e.offset, e.byteLength / 4)
        : new Float32Array(buf, e.offset, e.byteLength / 4);
    tensors.set(e.name, tf.tensor(values, e.shape, e.dtype));
  }
  return { manifest, tensors };
}

/** The model's parameters and buffers under `model/<name>`. */
export function modelTensors(model: SpikingModel): Map<string, tf.Tensor> {
  return new Map(model.stateTensors().map(([n, v]) => [`model/${n}`, v as tf.Tensor]));
}

/** Copies `model/<name>` tensors into the model's variables, checking names and shapes. */
export function loadModelTensors(
  path: string,
  model: SpikingModel,
  tensors: ReadonlyMap<string, tf.Tensor>,
): void {
  for (const [name, v] of model.stateTensors()) {
    const t = tensors.get(`model/${name}`);
    if (!t) throw new CheckpointError(path, `has no tensor for model parameter "${name}"`);
    if (t.shape.join(',') !== v.shape.join(',')) {
      throw new CheckpointError(
        path,
        `tensor "${name}" has shape [${t.shape}], the model expects [${v.shape}]`,
      );
    }
    v.assign(t);
  }
}

/** Builds the checkpoint's model and loads its weights. */
export function restoreModel(path: string, data: CheckpointData): SpikingModel {
  let model: SpikingModel;
  try {
    model = buildModel(data.manifest.model);
  } catch (e) {
    throw new CheckpointError(path, (e as Error).message);
  }
  loadModelTensors(path, model, data.tensors);
  return model;
}
