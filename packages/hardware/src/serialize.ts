/**
 * JSON form of a profile. Typed arrays become `{ "dtype": "bits" | "float64", "length", "base64" }`: masks
 * packed 8 per byte (LSB first), counts as little-endian float64. Everything else is plain JSON.
 */
import {
  type LayerProfile,
  type NetworkProfile,
  PROFILE_VERSION,
  ProfileError,
  validateProfile,
} from './profile.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

function toBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let line = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    line +=
      ALPHABET[(n >> 18) & 63] +
      ALPHABET[(n >> 12) & 63] +
      (i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '=') +
      (i + 2 < bytes.length ? ALPHABET[n & 63] : '=');
    if (line.length >= 8192) {
      parts.push(line);
      line = '';
    }
  }
  parts.push(line);
  return parts.join('');
}

function fromBase64(text: string, where: string): Uint8Array {
  if (text.length % 4 !== 0)
    throw new ProfileError(`${where}: base64 length ${text.length} is not a multiple of 4`);
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const ch = text.charCodeAt(i + j);
      const v = text[i + j] === '=' && i + 4 === text.length ? 0 : ch < 128 ? LOOKUP[ch] : -1;
      if (v < 0) throw new ProfileError(`${where}: invalid base64 character at ${i + j}`);
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

export interface EncodedArray {
  dtype: 'bits' | 'float64';
  length: number;
  base64: string;
}

function encodeBits(mask: Uint8Array): EncodedArray {
  const bytes = new Uint8Array(Math.ceil(mask.length / 8));
  for (let i = 0; i < mask.length; i++) if (mask[i]) bytes[i >> 3] |= 1 << (i & 7);
  return { dtype: 'bits', length: mask.length, base64: toBase64(bytes) };
}

function encodeFloat64(values: Float64Array): EncodedArray {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return { dtype: 'float64', length: values.length, base64: toBase64(bytes) };
}

function decode(v: unknown, dtype: EncodedArray['dtype'], where: string): Uint8Array | Float64Array {
  const e = v as EncodedArray;
  if (typeof e !== 'object' || e === null || e.dtype !== dtype || typeof e.base64 !== 'string') {
    throw new ProfileError(`${where}: expected { dtype: '${dtype}', length, base64 }`);
  }
  if (!Number.isInteger(e.length) || e.length < 0)
    throw new ProfileError(`${where}: length must be a non-negative integer`);
  const bytes = fromBase64(e.base64, where);
  if (dtype === 'bits') {
    if (bytes.length !== Math.ceil(e.length / 8)) {
      throw new ProfileError(`${where}: ${bytes.length} bytes cannot hold exactly ${e.length} bits`);
    }
    const mask = new Uint8Array(e.length);
    for (let i = 0; i < e.length; i++) mask[i] = (bytes[i >> 3] >> (i & 7)) & 1;
    return mask;
  }
  if (bytes.length !== e.length * 8)
    throw new ProfileError(`${where}: ${bytes.length} bytes are not ${e.length} float64 values`);
  const view = new DataView(bytes.buffer);
  const out = new Float64Array(e.length);
  for (let i = 0; i < e.length; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}

/** A JSON-ready copy of the profile (pass it to JSON.stringify). */
export function profileToJSON(profile: NetworkProfile): Record<string, unknown> {
  return {
    ...profile,
    layers: profile.layers.map((l) => ({
      ...l,
      weights: l.weights.kind === 'mask' ? { kind: 'mask', mask: encodeBits(l.weights.mask) } : l.weights,
      activity:
        l.activity.kind === 'measured'
          ? {
              ...l.activity,
              counts: encodeFloat64(l.activity.counts),
              perStep: l.activity.perStep ? encodeFloat64(l.activity.perStep) : undefined,
            }
          : l.activity,
      inChannelMask: l.inChannelMask ? encodeBits(l.inChannelMask) : undefined,
      outChannelMask: l.outChannelMask ? encodeBits(l.outChannelMask) : undefined,
    })),
  };
}

/** Rebuilds and validates a profile from its JSON form; `source` (a file name) is named in errors. */
export function profileFromJSON(json: unknown, source = 'profile'): NetworkProfile {
  if (typeof json !== 'object' || json === null) throw new ProfileError(`${source}: expected a JSON object`);
  const o = json as Record<string, unknown>;
  if (o.version !== PROFILE_VERSION) {
    throw new ProfileError(
      `${source}: unsupported profile version ${JSON.stringify(o.version)} (this reader knows ${PROFILE_VERSION})`,
    );
  }
  if (!Array.isArray(o.layers)) throw new ProfileError(`${source}: layers must be an array`);
  const layers = o.layers.map((raw: Record<string, any>, i: number) => {
    const where = `${source}: layer ${i} (${raw?.name ?? '?'})`;
    const w = raw.weights;
    const a = raw.activity;
    const layer = {
      ...raw,
      weights:
        w?.kind === 'mask'
          ? { kind: 'mask', mask: decode(w.mask, 'bits', `${where}: weights.mask`) as Uint8Array }
          : w,
      activity:
        a?.kind === 'measured'
          ? {
              kind: 'measured',
              samples: a.samples,
              counts: decode(a.counts, 'float64', `${where}: activity.counts`),
              perStep: a.perStep ? decode(a.perStep, 'float64', `${where}: activity.perStep`) : undefined,
            }
          : a,
      inChannelMask: raw.inChannelMask
        ? decode(raw.inChannelMask, 'bits', `${where}: inChannelMask`)
        : undefined,
      outChannelMask: raw.outChannelMask
        ? decode(raw.outChannelMask, 'bits', `${where}: outChannelMask`)
        : undefined,
    };
    return layer as LayerProfile;
  });
  const profile = { ...(o as object), layers } as NetworkProfile;
  validateProfile(profile, source);
  return profile;
}

export function stringifyProfile(profile: NetworkProfile): string {
  return JSON.stringify(profileToJSON(profile));
}

export function parseProfile(text: string, source = 'profile'): NetworkProfile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProfileError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  return profileFromJSON(json, source);
}
