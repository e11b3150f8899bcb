import { decompress as zstdDecompress } from 'fzstd';
import { DatasetError, DatasetFormatError, TruncatedFileError } from './errors.js';
import { allocateEvents, type EventStream } from './events.js';
import { decompressLz4Frame } from './lz4.js';

/** AEDAT 4 packet compression, as the IOHeader's `compression` enum numbers it. */
export const AEDAT4_COMPRESSION = ['none', 'lz4', 'lz4-high', 'zstd', 'zstd-high'] as const;
export type Aedat4Compression = (typeof AEDAT4_COMPRESSION)[number];

export interface Aedat4Stream {
  id: number;
  type: string;
  width?: number;
  height?: number;
}

export interface Aedat4Header {
  compression: Aedat4Compression;
  dataTablePosition: number;
  streams: Aedat4Stream[];
  /** Byte offset of the first packet. */
  dataOffset: number;
}

/** Bounds-checked little-endian reads of one FlatBuffer, so corrupt offsets become typed errors. */
class FlatReader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
    readonly base: number, // file offset of bytes[0], for messages
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private check(at: number, size: number): void {
    if (!Number.isInteger(at) || at < 0 || at + size > this.bytes.length) {
      throw new DatasetFormatError(
        'bad-layout',
        `FlatBuffer offset ${at} is outside its ${this.bytes.length}-byte table`,
        {
          file: this.file,
          offset: this.base,
          expected: 'a valid AEDAT 4 FlatBuffer',
        },
      );
    }
  }
  u16(at: number): number {
    this.check(at, 2);
    return this.view.getUint16(at, true);
  }
  i32(at: number): number {
    this.check(at, 4);
    return this.view.getInt32(at, true);
  }
  u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at, true);
  }
  i64(at: number): number {
    this.check(at, 8);
    return this.view.getInt32(at + 4, true) * 4294967296 + this.view.getUint32(at, true);
  }
  slice(at: number, length: number): Uint8Array {
    this.check(at, length);
    return this.bytes.subarray(at, at + length);
  }
  /** Absolute position of field `index` of the table at `table`, or -1 when absent. */
  field(table: number, index: number): number {
    const vtable = table - this.i32(table);
    const vsize = this.u16(vtable);
    const slot = 4 + 2 * index;
    if (slot + 2 > vsize) return -1;
    const off = this.u16(vtable + slot);
    return off === 0 ? -1 : table + off;
  }
  /** Follows a uoffset stored at `at`. */
  deref(at: number): number {
    return at + this.u32(at);
  }
  root(): number {
    // dv-processing writes packets size-prefixed; the IOHeader is not (its size precedes it in the file).
    const prefixed = this.bytes.length >= 8 && this.u32(0) === this.bytes.length - 4;
    const start = prefixed ? 4 : 0;
    return start + this.u32(start);
  }
  identifier(): string {
    const prefixed = this.bytes.length >= 8 && this.u32(0) === this.bytes.length - 4;
    const at = (prefixed ? 4 : 0) + 4;
    return String.fromCharCode(...this.slice(at, 4));
  }
}

const MAGIC = '#!AER-DAT4.0';

/** Parses the text magic, the IOHeader FlatBuffer and its XML stream description. */
export function parseAedat4Header(bytes: Uint8Array, file = '<aedat4>'): Aedat4Header {
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) {
      throw new DatasetFormatError('bad-magic', 'not an AEDAT 4.0 file', {
        file,
        offset: i,
        expected: `'${MAGIC}'`,
      });
    }
  }
  let pos = MAGIC.length;
  if (bytes[pos] === 0x0d) pos++;
  if (bytes[pos] !== 0x0a) {
    throw new DatasetFormatError('bad-magic', 'AEDAT 4.0 magic line does not end with a newline', {
      file,
      offset: pos,
      expected: '\\r\\n',
    });
  }
  pos++;
  if (bytes.length < pos + 4)
    throw new TruncatedFileError('file ends before the IOHeader size', { file, offset: bytes.length });
  const size = new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getInt32(0, true);
  if (size <= 0 || pos + 4 + size > bytes.length) {
    throw new TruncatedFileError(`IOHeader of ${size} bytes does not fit the file`, {
      file,
      offset: pos,
      expected: `a header size in 1..${bytes.length - pos - 4}`,
    });
  }
  const fb = new FlatReader(bytes.subarray(pos + 4, pos + 4 + size), file, pos + 4);
  const table = fb.root();
  const fCompression = fb.field(table, 0);
  const fTable = fb.field(table, 1);
  const fInfo = fb.field(table, 2);
  const code = fCompression < 0 ? 0 : fb.i32(fCompression);
  const compression = AEDAT4_COMPRESSION[code];
  if (!compression) {
    throw new DatasetFormatError('bad-layout', `unknown compression type ${code}`, {
      file,
      offset: pos + 4,
      expected: '0..4',
    });
  }
  const dataTablePosition = fTable < 0 ? -1 : fb.i64(fTable);
  let xml = '';
  if (fInfo >= 0) {
    const s = fb.deref(fInfo);
    const len = fb.u32(s);
    xml = new TextDecoder().decode(fb.slice(s + 4, len));
  }
  return { compression, dataTablePosition, streams: parseStreams(xml), dataOffset: pos + 4 + size };
}

function parseStreams(xml: string): Aedat4Stream[] {
  const heads = [...xml.matchAll(/<node name="(\d+)" path="[^"]*outInfo\/\d+\/">/g)];
  return heads.map((m, i) => {
    const body = xml.slice(m.index, heads[i + 1]?.index ?? xml.length);
    const attr = (key: string) =>
      body.match(new RegExp(`<attr key="${key}" type="\\w+">([^<]*)</attr>`))?.[1];
    const w = attr('sizeX');
    const h = attr('sizeY');
    return {
      id: Number(m[1]),
      type: attr('typeIdentifier') ?? '',
      width: w === undefined ? undefined : Number(w),
      height: h === undefined ? undefined : Number(h),
    };
  });
}

/** Largest packet we agree to inflate; real packets are kilobytes to a few megabytes. */
const MAX_PACKET = 256 * 1024 * 1024;

function inflate(data: Uint8Array, compression: Aedat4Compression, file: string, offset: number): Uint8Array {
  try {
    if (compression === 'none') return data;
    if (compression === 'lz4' || compression === 'lz4-high') {
      return decompressLz4Frame(data, MAX_PACKET);
    }
    return zstdDecompress(data);
  } catch (err: any) {
    throw new DatasetFormatError(
      'bad-layout',
      `cannot decompress ${compression} packet (${err?.message ?? err})`,
      {
        file,
        offset,
        expected: `a valid ${compression} frame`,
      },
    );
  }
}

export interface Aedat4Options {
  /** Which event stream to read when the file has several; default the first 'EVTS' stream. */
  streamId?: number;
}

/**
 * Reads the polarity events of an AEDAT 4.0 file (DV / dv-processing). Packets are LZ4- or
 * Zstd-compressed FlatBuffers; events are {int64 t, int16 x, int16 y, bool on} structs of 16 bytes.
 */
export function parseAedat4(bytes: Uint8Array, file = '<aedat4>', options: Aedat4Options = {}): EventStream {
  const header = parseAedat4Header(bytes, file);
  const stream = header.streams.find((s) =>
    options.streamId === undefined ? s.type === 'EVTS' : s.id === options.streamId,
  );
  if (stream?.type !== 'EVTS') {
    throw new DatasetFormatError(
      'bad-layout',
      'no polarity event stream (typeIdentifier EVTS) in the header',
      {
        file,
        offset: header.dataOffset,
        expected:
          options.streamId === undefined ? 'an EVTS stream' : `stream ${options.streamId} of type EVTS`,
      },
    );
  }
  const width = stream.width ?? 0;
  const height = stream.height ?? 0;
  if (!(width > 0 && height > 0)) {
    throw new DatasetFormatError('bad-layout', `stream ${stream.id} has no sensor size`, {
      file,
      expected: 'sizeX and sizeY',
    });
  }
  const end = header.dataTablePosition > 0 ? Math.min(header.dataTablePosition, bytes.length) : bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const packets: { data: Uint8Array; vec: number; n: number; at: number }[] = [];
  let total = 0;
  for (let pos = header.dataOffset; pos < end; ) {
    if (pos + 8 > end)
      throw new TruncatedFileError('packet header cut short', {
        file,
        offset: pos,
        expected: '8-byte packet header',
      });
    const id = view.getInt32(pos, true);
    const size = view.getInt32(pos + 4, true);
    if (size < 0 || pos + 8 + size > end) {
      throw new TruncatedFileError(`packet of ${size} bytes runs past the end of the data`, {
        file,
        offset: pos,
        expected: `at most ${end - pos - 8} bytes`,
      });
    }
    if (id === stream.id) {
      const data = inflate(bytes.subarray(pos + 8, pos + 8 + size), header.compression, file, pos);
      const fb = new FlatReader(data, file, pos);
      if (fb.identifier() !== 'EVTS') {
        throw new DatasetFormatError('bad-layout', `packet identifier '${fb.identifier()}'`, {
          file,
          offset: pos,
          expected: 'EVTS',
        });
      }
      const table = fb.root();
      const f = fb.field(table, 0);
      if (f >= 0) {
        const vec = fb.deref(f);
        const n = fb.u32(vec);
        if (vec + 4 + 16 * n > data.length) {
          throw new DatasetFormatError(
            'bad-layout',
            `packet announces ${n} events but holds ${data.length} bytes`,
            {
              file,
              offset: pos,
              expected: '16 bytes per event',
            },
          );
        }
        packets.push({ data, vec: vec + 4, n, at: pos });
        total += n;
      }
    }
    pos += 8 + size;
  }
  if (total === 0) {
    throw new DatasetError('no-events', 'AEDAT 4.0 file has no polarity events', {
      file,
      offset: header.dataOffset,
    });
  }
  const ev = allocateEvents('aedat4', width, height, total);
  let k = 0;
  for (const { data, vec, n, at } of packets) {
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0, o = vec; i < n; i++, o += 16, k++) {
      const x = v.getInt16(o + 8, true);
      const y = v.getInt16(o + 10, true);
      if (x < 0 || y < 0 || x >= width || y >= height) {
        throw new DatasetFormatError(
          'out-of-range',
          `event (${x}, ${y}) is outside the ${width}x${height} sensor`,
          {
            file,
            offset: at,
            expected: `x < ${width}, y < ${height}`,
          },
        );
      }
      ev.t[k] = v.getInt32(o + 4, true) * 4294967296 + v.getUint32(o, true);
      ev.x[k] = x;
      ev.y[k] = y;
      ev.p[k] = data[o + 12] ? 1 : 0;
    }
  }
  return ev;
}
