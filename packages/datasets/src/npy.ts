import { DatasetFormatError, TruncatedFileError } from './errors.js';

type NpyArray = Float32Array | Uint8Array | Int32Array | Float64Array | Uint16Array;

const DESCR: [string, new (n: number) => NpyArray][] = [
  ['<f4', Float32Array],
  ['|u1', Uint8Array],
  ['<i4', Int32Array],
  ['<f8', Float64Array],
  ['<u2', Uint16Array],
];

function descrOf(data: NpyArray): string {
  const d = DESCR.find(([, C]) => data instanceof C);
  if (!d) throw new TypeError('unsupported typed array for .npy');
  return d[0];
}

/** Encodes a C-order array as NumPy `.npy` (format 1.0), loadable with `numpy.load`. */
export function encodeNpy(data: NpyArray, shape: number[]): Uint8Array {
  const expected = shape.reduce((a, b) => a * b, 1);
  if (expected !== data.length)
    throw new RangeError(`shape ${shape.join('x')} needs ${expected} values, got ${data.length}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': (${dims}), }`;
  // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - 10 - 1, ' ')}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** Decodes a `.npy` written by encodeNpy or NumPy (C order, little-endian, versions 1–3). */
export function decodeNpy(bytes: Uint8Array, file = '<npy>'): { data: NpyArray; shape: number[] } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) {
    throw new DatasetFormatError('bad-magic', 'not a .npy file', { file, offset: 0, expected: '\\x93NUMPY' });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? v.getUint16(8, true) : v.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start + headerLen)
    throw new TruncatedFileError('header cut short', { file, offset: bytes.length });
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = header.match(/'descr':\s*'([^']+)'/)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = header.match(/'shape':\s*\(([^)]*)\)/)?.[1];
  const ctor = DESCR.find(([d]) => d === descr)?.[1];
  if (!ctor || fortran || shapeText === undefined) {
    throw new DatasetFormatError('bad-layout', `unsupported .npy header ${header.trim()}`, {
      file,
      offset: start,
      expected: `C order and one of ${DESCR.map(([d]) => d).join(', ')}`,
    });
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const elem = new ctor(0).BYTES_PER_ELEMENT;
  if (bytes.length !== dataStart + count * elem) {
    throw new TruncatedFileError(`data is ${bytes.length - dataStart} bytes, shape needs ${count * elem}`, {
      file,
      offset: bytes.length,
      expected: `${dataStart + count * elem} bytes`,
    });
  }
  // Copy so the result is aligned whatever the header length was.
  const data = new ctor(count);
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + count * elem));
  return { data, shape };
}
