import { DatasetError, DatasetFormatError } from './errors.js';
import { allocateEvents, type EventStream } from './events.js';

/**
 * Parses N-MNIST 40-bit events: x, y, then 1 bit polarity and 23 bits timestamp (µs), big-endian.
 * The sensor is 34x34; coordinates outside it are an error.
 */
export function parseNmnist(bytes: Uint8Array, file = '<nmnist>'): EventStream {
  if (bytes.length === 0) {
    throw new DatasetError('no-events', 'empty N-MNIST file', { file, offset: 0, expected: '5-byte events' });
  }
  if (bytes.length % 5 !== 0) {
    throw new DatasetFormatError('bad-size', `${bytes.length} bytes is not a multiple of 5`, {
      file,
      offset: bytes.length - (bytes.length % 5),
      expected: 'whole 5-byte N-MNIST events',
    });
  }
  const n = bytes.length / 5;
  const ev = allocateEvents('nmnist', 34, 34, n);
  for (let i = 0, o = 0; i < n; i++, o += 5) {
    const x = bytes[o];
    const y = bytes[o + 1];
    if (x > 33 || y > 33) {
      throw new DatasetFormatError('out-of-range', `event ${i} at (${x}, ${y}) is outside the 34x34 sensor`, {
        file,
        offset: o,
        expected: 'x, y in 0..33',
      });
    }
    const b2 = bytes[o + 2];
    ev.x[i] = x;
    ev.y[i] = y;
    ev.p[i] = b2 >>> 7;
    ev.t[i] = ((b2 & 0x7f) << 16) | (bytes[o + 3] << 8) | bytes[o + 4];
  }
  return ev;
}
