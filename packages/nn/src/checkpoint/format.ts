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

/** `manifest.json`: everything but the tensor bytes, which live in the weights file. */
export interface CheckpointManifest {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  createdAt: string;
  model: ModelConfig;
  tensors: TensorEntry[];
  /** File name of the tensor bytes, inside the checkpoint directory. */
  weightsFile: string;
  weightsByteLength: number;
  /** SHA-256 of the weights file (hex); required on load. */
  weightsSha256?: string;
  /** SHA-256 (hex) of this manifest without this field (see `manifestDigestText`); required on load. */
  manifestSha256?: string;
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

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A file name inside the checkpoint directory: no separators, not "." or "..". */
const FILE_NAME = /^(?!\.\.?$)[A-Za-z0-9._-]{1,255}$/;
const DTYPES: readonly string[] = ['float32', 'int32'];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
/** A value as a message shows it: JSON, cut short; `missing` for undefined. */
function show(v: unknown): string {
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/**
 * The text whose SHA-256 is `manifestSha256`: the manifest as compact JSON without that field. A
 * manifest parsed back from its file gives the same text (JSON.stringify is deterministic on parsed
 * JSON), whatever the file's indentation.
 */
export function manifestDigestText(manifest: object): string {
  return JSON.stringify(Object.fromEntries(Object.entries(manifest).filter(([k]) => k !== 'manifestSha256')));
}

/**
 * Validates a parsed manifest: every field a loader relies on, with its type and range, and both
 * checksums present (verifying them needs a hash function: see `@synaptogen/nn/node`). Throws a
 * CheckpointError naming the field and what was expected.
 */
export function validateManifest(path: string, m: unknown): CheckpointManifest {
  const fail = (msg: string): never => {
    throw new CheckpointError(path, `${MANIFEST_FILE}: ${msg}`);
  };
  if (!isObject(m)) return fail(`is not a JSON object (expected a ${CHECKPOINT_FORMAT} manifest)`);
  if (m.format !== CHECKPOINT_FORMAT)
    fail(`format is ${show(m.format)}, expected "${CHECKPOINT_FORMAT}" (not a synaptogen checkpoint)`);
  if (m.version !== CHECKPOINT_VERSION)
    fail(`version ${show(m.version)} is not supported (expected ${CHECKPOINT_VERSION})`);
  if (!isObject(m.model) || typeof m.model.name !== 'string')
    fail(`"model" is ${show(m.model)}, expected a model config with a "name"`);
  if (!isObject(m.meta)) fail(`"meta" is ${show(m.meta)}, expected a JSON object`);
  if (typeof m.weightsFile !== 'string' || !FILE_NAME.test(m.weightsFile))
    fail(`"weightsFile" is ${show(m.weightsFile)}, expected a file name inside the checkpoint directory`);
  const total = m.weightsByteLength;
  if (!isCount(total)) return fail(`"weightsByteLength" is ${show(total)}, expected an integer ≥ 0`);
  for (const key of ['weightsSha256', 'manifestSha256'] as const) {
    const v = m[key];
    if (v === undefined)
      fail(`has no "${key}": every file of a checkpoint needs its SHA-256, so it cannot be verified`);
    if (typeof v !== 'string' || !SHA256_HEX.test(v)) fail(`"${key}" is ${show(v)}, expected 64 hex digits`);
  }
  if (!Array.isArray(m.tensors)) fail(`"tensors" is ${show(m.tensors)}, expected a list of tensor entries`);
  const names = new Set<string>();
  (m.tensors as unknown[]).forEach((e, i) => {
    validateEntry(e, i, total, names, fail);
  });
  return m as unknown as CheckpointManifest;
}

function validateEntry(
  entry: unknown,
  i: number,
  total: number,
  names: Set<string>,
  fail: (msg: string) => never,
): void {
  if (!isObject(entry))
    fail(`tensors[${i}] is ${show(entry)}, expected {name, dtype, shape, offset, byteLength}`);
  const e = entry as Record<string, unknown>;
  if (typeof e.name !== 'string' || !e.name)
    fail(`tensors[${i}].name is ${show(e.name)}, expected a non-empty string`);
  const label = `tensor "${e.name}"`;
  if (names.has(e.name as string)) fail(`${label} appears twice in "tensors"`);
  names.add(e.name as string);
  if (!DTYPES.includes(e.dtype as string))
    fail(`${label}: dtype ${show(e.dtype)} is not supported (expected "float32" or "int32")`);
  if (!Array.isArray(e.shape) || !e.shape.every(isCount))
    fail(`${label}: shape ${show(e.shape)} is not a list of integers ≥ 0`);
  let count = 1;
  for (const d of e.shape as number[]) {
    count *= d;
    // stop before the product leaves the safe integers: such a tensor cannot fit anyway
    if (count * 4 > total)
      fail(`${label}: shape ${show(e.shape)} needs more bytes than the weights file has (${total})`);
  }
  if (e.byteLength !== count * 4)
    fail(`${label}: byteLength is ${show(e.byteLength)}, expected ${count * 4} (4 bytes × ${count} values)`);
  if (!isCount(e.offset) || e.offset % 4 !== 0)
    fail(`${label}: offset is ${show(e.offset)}, expected a multiple of 4 (tensors are 4-byte aligned)`);
  const end = (e.offset as number) + count * 4;
  if (end > total) fail(`${label}: bytes ${e.offset}..${end} lie outside the weights file (${total} bytes)`);
}

/** A tensor's values, decoded without tfjs (see `decodeCheckpointArrays`). */
export interface DecodedTensor {
  dtype: 'float32' | 'int32';
  shape: number[];
  values: Float32Array | Int32Array;
}

/** Tensor values of a validated manifest as typed arrays (views of one copy of `data`). */
export function decodeCheckpointArrays(
  path: string,
  manifest: CheckpointManifest,
  data: Uint8Array,
): Map<string, DecodedTensor> {
  if (data.byteLength !== manifest.weightsByteLength) {
    throw new CheckpointError(
      path,
      `${manifest.weightsFile} has ${data.byteLength} bytes, ${MANIFEST_FILE} says ${manifest.weightsByteLength} (truncated or corrupt)`,
    );
  }
  const buf = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const out = new Map<string, DecodedTensor>();
  for (const e of manifest.tensors) {
    const n = e.byteLength / 4;
    const values =
      e.dtype === 'int32' ? new Int32Array(buf, e.offset, n) : new Float32Array(buf, e.offset, n);
    out.set(e.name, { dtype: e.dtype, shape: [...e.shape], values });
  }
  return out;
}

/** Rebuilds tensors from a validated manifest and the weights bytes. */
export function decodeCheckpoint(
  path: string,
  manifest: CheckpointManifest,
  data: Uint8Array,
): CheckpointData {
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, t] of decodeCheckpointArrays(path, manifest, data))
    tensors.set(name, tf.tensor(t.values, t.shape, t.dtype));
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
