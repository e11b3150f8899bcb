import fs from 'node:fs';
import path from 'node:path';
import lz4js from 'lz4js';
import { describe, expect, it } from 'vitest';
import { parseAedat4 } from './aedat4.js';
import { DatasetFormatError } from './errors.js';
import { decompressLz4Frame } from './lz4.js';
import { createRng } from './rng.js';
import { DATA_ROOT } from './test/dataRoot.js';

const read = (rel: string) => new Uint8Array(fs.readFileSync(path.join(DATA_ROOT, rel)));

/** The LZ4 frames of an AEDAT 4 file's packets (after the header, up to the data table if any). */
function packets(file: Uint8Array, end: number): Uint8Array[] {
  const buf = Buffer.from(file);
  const hdrAt = buf.indexOf(0x0a) + 1;
  let pos = hdrAt + 4 + buf.readInt32LE(hdrAt);
  const out: Uint8Array[] = [];
  while (pos < end) {
    const size = buf.readInt32LE(pos + 4);
    out.push(file.subarray(pos + 8, pos + 8 + size));
    pos += 8 + size;
  }
  return out;
}

/** A minimal frame (no content size, 64 KB blocks) around one compressed block. */
function frame(block: number[]): Uint8Array {
  const size = [block.length & 255, (block.length >> 8) & 255, 0, 0];
  return Uint8Array.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, ...size, ...block, 0, 0, 0, 0]);
}

describe('LZ4 frame decoder', () => {
  it('decodes every packet of the real DVXplorer file exactly as lz4js does', () => {
    const file = read('aedat-misc/sample.aedat4');
    const frames = packets(file, 945243);
    expect(frames.length).toBeGreaterThan(10);
    for (const f of frames) {
      expect(Buffer.from(decompressLz4Frame(f, 1 << 28)).equals(Buffer.from(lz4js.decompress(f)))).toBe(true);
    }
  });

  it('round-trips lz4js-compressed data: random, repetitive (overlapping matches) and empty', () => {
    const rng = createRng(7);
    const random = Uint8Array.from({ length: 70_000 }, () => rng.int(256));
    const repetitive = Uint8Array.from({ length: 200_000 }, (_, i) => (i % 3 === 0 ? 7 : i % 251));
    for (const data of [random, repetitive, new Uint8Array(0)]) {
      expect(Buffer.from(decompressLz4Frame(lz4js.compress(data), 1 << 20)).equals(Buffer.from(data))).toBe(
        true,
      );
    }
  });

  it('decodes a match that overlaps its own output (offset 1 repeats a byte)', () => {
    // literal 'a', then a match of offset 1 and length 4 + 3, then the closing literal 'b'
    expect(Array.from(decompressLz4Frame(frame([0x13, 97, 1, 0, 0x10, 98]), 100))).toEqual([
      ...'aaaaaaaab'.split('').map((c) => c.charCodeAt(0)),
    ]);
  });

  it('rejects bad frames with the reason', () => {
    const cases: [Uint8Array, RegExp][] = [
      [frame([0x10, 97, 0, 0]), /match offset 0/],
      [frame([0x10, 97, 5, 0]), /match offset 5 outside the 1 bytes/],
      [frame([0x50, 97, 98]), /literals run past the block/],
      [frame([0x1f, 97, 1, 0, 255, 255]), /length runs past the block/],
      [frame([0x1f, 97, 1, 0, 255, 255, 255, 0]), /match overflows the output/],
      [frame([0x10, 97]).subarray(0, 12), /frame cut short in the block/],
      [Uint8Array.from([1, 2, 3, 4, 5, 6, 7]), /not an LZ4 frame/],
    ];
    for (const [bytes, message] of cases) expect(() => decompressLz4Frame(bytes, 100)).toThrow(message);
    expect(() => decompressLz4Frame(lz4js.compress(new Uint8Array(1000)), 999)).toThrow(/overflow/);
  });

  // The fuzz test's find (seed 1622776806): five byte edits to the small AEDAT 4 fixture; lz4js spent
  // 3.3 s writing past its output on the first packet and returned garbage.
  it('rejects the corrupted packet that kept lz4js busy for seconds', () => {
    const file = read('aedat-misc/sample.aedat4');
    const first = packets(file, 945243)[0].slice();
    first[2349 - 2342] = 237; // the fixture's edits that fall in this packet (file offset − 2342)
    first[4290 - 2342] = 61;
    first[5953 - 2342] = 107;
    expect(() => decompressLz4Frame(first, 1 << 28)).toThrow(/offset|overflow|past the block/);
    const bad = file.slice();
    bad.set(first, 2342);
    expect(() => parseAedat4(bad, 'edited.aedat4')).toThrow(DatasetFormatError);
  });
});
