import { DatasetError, DatasetFormatError } from './errors.js';
import { allocateEvents, type EventStream } from './events.js';

export interface Aedat2Options {
  /**
   * What to do with addresses that have bits above 14 set (outside the 128x128 DVS128 array,
   * e.g. jAER special events): 'error' (default) or 'skip'.
   */
  outOfRange?: 'error' | 'skip';
}

export interface Aedat2Header {
  /** Header text lines without the leading '#'. */
  lines: string[];
  /** Byte offset of the first event. */
  dataOffset: number;
}

/** Reads the '#' header lines. The header ends at the first line that does not start with '#'. */
export function parseAedat2Header(bytes: Uint8Array, file = '<aedat>'): Aedat2Header {
  const magic = '#!AER-DAT2.0';
  for (let i = 0; i < magic.length; i++) {
    if (bytes[i] !== magic.charCodeAt(i)) {
      throw new DatasetFormatError('bad-magic', 'not an AEDAT 2.0 file', {
        file,
        offset: i,
        expected: `'${magic}' first line`,
      });
    }
  }
  const lines: string[] = [];
  const decoder = new TextDecoder('latin1');
  let pos = 0;
  while (pos < bytes.length && bytes[pos] === 0x23) {
    const nl = bytes.indexOf(0x0a, pos);
    const end = nl < 0 ? bytes.length : nl + 1;
    lines.push(decoder.decode(bytes.subarray(pos + 1, end)).replace(/\r?\n$/, ''));
    pos = end;
  }
  return { lines, dataOffset: pos };
}

/**
 * Parses a jAER AEDAT 2.0 DVS128 recording: big-endian u32 address + u32 timestamp (µs) per event.
 * Coordinates follow SpikingJelly's CIFAR10-DVS mapping: x = 127 − rawY, y = 127 − rawX, p = 1 − bit0.
 */
export function parseAedat2(bytes: Uint8Array, file = '<aedat>', options: Aedat2Options = {}): EventStream {
  const { dataOffset } = parseAedat2Header(bytes, file);
  const payload = bytes.length - dataOffset;
  if (payload === 0) {
    throw new DatasetError('no-events', 'AEDAT 2.0 header with no events after it', {
      file,
      offset: dataOffset,
      expected: '8-byte events after the # header lines',
    });
  }
  if (payload % 8 !== 0) {
    const at = bytes.length - (payload % 8);
    throw new DatasetFormatError('bad-size', `event data is ${payload} bytes, not a multiple of 8`, {
      file,
      offset: at,
      expected: 'whole 8-byte events (u32 address, u32 timestamp)',
    });
  }
  const n = payload / 8;
  const ev = allocateEvents('aedat2', 128, 128, n);
  const view = new DataView(bytes.buffer, bytes.byteOffset + dataOffset, payload);
  const skip = options.outOfRange === 'skip';
  const { x, y, p, t } = ev;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const addr = view.getUint32(8 * i);
    if (addr > 0x7fff) {
      if (skip) continue;
      throw new DatasetFormatError(
        'out-of-range',
        `address 0x${addr.toString(16)} is outside the DVS128 array`,
        {
          file,
          offset: dataOffset + 8 * i,
          expected:
            'bits 14..0 only (7-bit y, 7-bit x, polarity); pass outOfRange: "skip" to drop such events',
        },
      );
    }
    x[k] = 127 - (addr >>> 8);
    y[k] = 127 - ((addr >>> 1) & 0x7f);
    p[k] = 1 - (addr & 1);
    t[k] = view.getUint32(8 * i + 4);
    k++;
  }
  if (k < n) {
    ev.count = k;
    ev.x = ev.x.subarray(0, k);
    ev.y = ev.y.subarray(0, k);
    ev.p = ev.p.subarray(0, k);
    ev.t = ev.t.subarray(0, k);
  }
  return ev;
}
