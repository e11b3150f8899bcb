import fs from 'node:fs';
import path from 'node:path';
import lz4 from 'lz4js';
import { describe, expect, it } from 'vitest';
import { parseAedat2 } from './aedat2.js';
import { parseAedat4 } from './aedat4.js';
import { DatasetError, DatasetFormatError, TruncatedFileError } from './errors.js';
import { parseEvents } from './eventFile.js';
import { detectEventFormat, summarizeEvents } from './events.js';
import { frameBoundaries, integrateFrames } from './frames.js';
import { parseNmnist } from './nmnist.js';
import { decodeNpy, encodeNpy } from './npy.js';
import { DATA_ROOT, sameBytes } from './test/dataRoot.js';

const read = (rel: string) => new Uint8Array(fs.readFileSync(path.join(DATA_ROOT, rel)));

// Facts measured with an independent Python/NumPy scan of the files (header skipped line by line,
// '>u4' words, SpikingJelly mapping).
const DVS128 = {
  'alex_walking_again.aedat': { n: 19182, on: 7102, t0: 41306606, t1: 48193156, header: 4612 },
  'alex_walking_for_10secs.aedat': { n: 125028, on: 55976, t0: 262847757, t1: 270891631, header: 4612 },
  'cam255_neal_standing_up.aedat': { n: 209564, on: 114089, t0: 314384738, t1: 335182415, header: 4696 },
  'cam255_right_clamp_test1.aedat': { n: 110228, on: 59036, t0: 52965624, t1: 70984609, header: 4695 },
  'cam300_fix_lense_alex_standing_up.aedat': {
    n: 155766,
    on: 81567,
    t0: 63137881,
    t1: 76178163,
    header: 4695,
  },
  'neal_walking.aedat': { n: 70304, on: 34031, t0: 135707767, t1: 144951371, header: 4612 },
};

/** Independent reference: decode with Buffer reads and place each event by the spec's formulas. */
function referenceFrames(
  file: string,
  T: number,
  splitBy: 'number' | 'time',
  header: number,
  size = 128,
): Float32Array {
  const buf = fs.readFileSync(path.join(DATA_ROOT, 'dvs128', file));
  const n = (buf.length - header) / 8;
  const out = new Float32Array(T * 2 * size * size);
  const t0 = buf.readUInt32BE(header + 4);
  const t1 = buf.readUInt32BE(header + 8 * (n - 1) + 4);
  const di = Math.floor(n / T);
  const dt = Math.floor((t1 - t0) / T);
  for (let k = 0; k < n; k++) {
    const addr = buf.readUInt32BE(header + 8 * k);
    const t = buf.readUInt32BE(header + 8 * k + 4);
    const x = 127 - ((addr >> 8) & 0x7f);
    const y = 127 - ((addr >> 1) & 0x7f);
    const p = 1 - (addr & 1);
    const f =
      splitBy === 'number' ? Math.min(Math.floor(k / di), T - 1) : Math.min(Math.floor((t - t0) / dt), T - 1);
    const s = 128 / size;
    out[((f * 2 + p) * size + Math.floor(y / s)) * size + Math.floor(x / s)] += 1;
  }
  return out;
}

describe('AEDAT 2.0 on every real DVS128 recording', () => {
  for (const [file, fact] of Object.entries(DVS128)) {
    it(`${file}: ${fact.n} events, coordinates in 0..127, time order`, () => {
      const bytes = read(`dvs128/${file}`);
      expect(detectEventFormat(bytes)).toBe('aedat2');
      const ev = parseAedat2(bytes, file);
      const s = summarizeEvents(ev);
      expect(s).toEqual({
        format: 'aedat2',
        width: 128,
        height: 128,
        events: fact.n,
        onEvents: fact.on,
        offEvents: fact.n - fact.on,
        tFirst: fact.t0,
        tLast: fact.t1,
      });
      let minX = 999;
      let maxX = -1;
      let minY = 999;
      let maxY = -1;
      let sorted = true;
      for (let i = 0; i < ev.count; i++) {
        minX = Math.min(minX, ev.x[i]);
        maxX = Math.max(maxX, ev.x[i]);
        minY = Math.min(minY, ev.y[i]);
        maxY = Math.max(maxY, ev.y[i]);
        if (i && ev.t[i] < ev.t[i - 1]) sorted = false;
      }
      expect([minX, maxX, minY, maxY]).toEqual([0, 127, 0, 127]);
      expect(sorted).toBe(true);
    });
  }

  it('maps the first event of alex_walking_again by hand: address 0x7683', () => {
    const ev = parseAedat2(read('dvs128/alex_walking_again.aedat'));
    // rawY = 0x76 = 118, rawX = (0x83 >> 1) & 0x7f = 65, bit0 = 1 -> x = 9, y = 62, p = 0 (OFF)
    expect([ev.x[0], ev.y[0], ev.p[0], ev.t[0]]).toEqual([9, 62, 0, 41306606]);
  });
});

describe('frame integration against an independent computation', () => {
  const file = 'alex_walking_again.aedat';
  const fact = DVS128[file];
  const ev = parseAedat2(read(`dvs128/${file}`));

  it('split by number: per-frame totals equal the split sizes, every pixel matches', () => {
    const T = 7;
    const frames = integrateFrames(ev, { frames: T, splitBy: 'number' });
    expect(frames.length).toBe(T * 2 * 128 * 128);
    const di = Math.floor(fact.n / T);
    for (let f = 0; f < T; f++) {
      let sum = 0;
      for (let i = f * 32768; i < (f + 1) * 32768; i++) sum += frames[i];
      expect(sum).toBe(f === T - 1 ? fact.n - (T - 1) * di : di);
    }
    expect(sameBytes(frames, referenceFrames(file, T, 'number', fact.header))).toBe(true);
    // Hand-checked pixel: the first event (x 9, y 62, OFF) lies in frame 0, channel 0.
    expect(frames[(0 * 2 + 0) * 16384 + 62 * 128 + 9]).toBeGreaterThanOrEqual(1);
  });

  it('split by time matches the window formula, totals add up to N', () => {
    const T = 5;
    const frames = integrateFrames(ev, { frames: T, splitBy: 'time' });
    expect(sameBytes(frames, referenceFrames(file, T, 'time', fact.header))).toBe(true);
    const b = frameBoundaries(ev, T, 'time');
    const dt = Math.floor((fact.t1 - fact.t0) / T);
    for (let f = 1; f < T; f++) {
      expect(ev.t[b[f]]).toBeGreaterThanOrEqual(fact.t0 + f * dt);
      expect(ev.t[b[f] - 1]).toBeLessThan(fact.t0 + f * dt);
    }
    expect(frames.reduce((a, v) => a + v, 0)).toBe(fact.n);
  });

  it('down-samples 128 -> 32 by coordinate binning, same as 4x4 sum pooling', () => {
    const frames = integrateFrames(ev, { frames: 3, size: 32 });
    expect(sameBytes(frames, referenceFrames(file, 3, 'number', fact.header, 32))).toBe(true);
    const full = integrateFrames(ev, { frames: 3 });
    let pooled = 0;
    for (let dy = 0; dy < 4; dy++)
      for (let dx = 0; dx < 4; dx++) pooled += full[(1 * 2 + 1) * 16384 + (40 + dy) * 128 + 20 + dx];
    expect(frames[(1 * 2 + 1) * 1024 + 10 * 32 + 5]).toBe(pooled);
    const f48 = integrateFrames(ev, { frames: 2, size: 48 });
    expect(f48.reduce((a, v) => a + v, 0)).toBe(fact.n);
  });

  it('guards degenerate splits: fewer events than frames, one timestamp', () => {
    const tiny = {
      ...ev,
      count: 3,
      x: ev.x.subarray(0, 3),
      y: ev.y.subarray(0, 3),
      p: ev.p.subarray(0, 3),
      t: Float64Array.of(5, 5, 5),
    };
    for (const splitBy of ['number', 'time'] as const) {
      const fr = integrateFrames(tiny, { frames: 4, splitBy });
      const last = fr.subarray(3 * 32768).reduce((a, v) => a + v, 0);
      expect(last).toBe(3);
      expect(fr.subarray(0, 3 * 32768).every((v) => v === 0)).toBe(true);
    }
    expect(() => integrateFrames(ev, { frames: 0 })).toThrow(/frames 0/);
    expect(() => integrateFrames(ev, { frames: 2, size: 256 })).toThrow(/down-sampling only/);
    // more values than one Float32Array holds: a message, not "Invalid typed array length" (issue 16)
    expect(() => integrateFrames(ev, { frames: 100_000_000 })).toThrow(
      'frames 100000000 make 3276800000000 values (expected at most 1073741824 values (4 GiB): at most 32768 frames of 2x128x128)',
    );
  });
});

describe('N-MNIST on all 1000 real samples', () => {
  it('every .bs2: x, y <= 33, time order, 4133231 events in all', () => {
    const dir = path.join(DATA_ROOT, 'nmnist');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.bs2'));
    expect(files).toHaveLength(1000);
    let total = 0;
    let on = 0;
    let max = 0;
    for (const f of files) {
      const bytes = read(`nmnist/${f}`);
      const ev = parseNmnist(bytes, f);
      expect(ev.count * 5).toBe(bytes.length);
      total += ev.count;
      for (let i = 0; i < ev.count; i++) {
        on += ev.p[i];
        max = Math.max(max, ev.x[i], ev.y[i]);
        if (i && ev.t[i] < ev.t[i - 1]) throw new Error(`${f}: time goes back at event ${i}`);
      }
    }
    // Totals from an independent Python scan of the same files.
    expect([total, on, max]).toEqual([4133231, 2059426, 33]);
  });

  it('decodes the first event of 1.bs2 by hand (12 10 80 03 7d)', () => {
    const ev = parseEvents(read('nmnist/1.bs2'), '1.bs2');
    expect(ev.format).toBe('nmnist');
    // x = 0x12 = 18, y = 0x10 = 16, 0x80 -> polarity 1, t = 0x00037d = 893 µs
    expect([ev.x[0], ev.y[0], ev.p[0], ev.t[0]]).toEqual([18, 16, 1, 893]);
    expect(ev.count).toBe(4681);
  });
});

describe('AEDAT 4.0 (real DVXplorer file, LZ4 packets)', () => {
  it('reads 111954 events of a 320x240 sensor; facts from a Python + lz4 CLI decode', () => {
    const ev = parseEvents(read('aedat-misc/sample.aedat4'), 'sample.aedat4');
    expect(summarizeEvents(ev)).toEqual({
      format: 'aedat4',
      width: 320,
      height: 240,
      events: 111954,
      onEvents: 55023,
      offEvents: 111954 - 55023,
      tFirst: 1605537493718345,
      tLast: 1605537494308262,
    });
    expect([ev.x[0], ev.y[0], ev.p[0]]).toEqual([154, 204, 0]);
    expect([ev.x[ev.count - 1], ev.y[ev.count - 1], ev.p[ev.count - 1]]).toEqual([88, 237, 1]);
    expect(Math.max(...ev.x)).toBe(319);
    expect(Math.max(...ev.y)).toBe(239);
  });

  it('reads the same events when packets are re-encoded as zstd (raw-block frames)', () => {
    const orig = read('aedat-misc/sample.aedat4');
    const zstd = recompress(orig, (plain) => zstdRawFrame(plain), 3);
    const a = parseAedat4(orig);
    const b = parseAedat4(zstd);
    expect(b.count).toBe(a.count);
    expect(sameBytes(b.t, a.t)).toBe(true);
    expect(sameBytes(b.x, a.x)).toBe(true);
  });
});

/** Rewrites every packet of an AEDAT 4 file with another codec; returns the new file. */
function recompress(orig: Uint8Array, encode: (plain: Uint8Array) => Uint8Array, code: number): Uint8Array {
  const buf = Buffer.from(orig);
  const hdrAt = buf.indexOf(0x0a) + 1;
  const size = buf.readInt32LE(hdrAt);
  const header = Buffer.from(buf.subarray(0, hdrAt + 4 + size));
  // compression is field 0 of the IOHeader table: patch it in place.
  const fb = header.subarray(hdrAt + 4);
  const table = fb.readUInt32LE(0);
  const vtable = table - fb.readInt32LE(table);
  fb.writeInt32LE(code, table + fb.readUInt16LE(vtable + 4));
  // dataTablePosition (field 1) is set to -1 (no table), as writers do when they omit it.
  const f1 = fb.readUInt16LE(vtable + 6);
  fb.writeInt32LE(-1, table + f1);
  fb.writeInt32LE(-1, table + f1 + 4);
  const parts: Buffer[] = [header];
  let pos = header.length;
  const end = 945243;
  while (pos < end) {
    const id = buf.readInt32LE(pos);
    const sz = buf.readInt32LE(pos + 4);
    const plain = lz4.decompress(buf.subarray(pos + 8, pos + 8 + sz));
    const packed = Buffer.from(encode(plain));
    const head = Buffer.alloc(8);
    head.writeInt32LE(id, 0);
    head.writeInt32LE(packed.length, 4);
    parts.push(head, packed);
    pos += 8 + sz;
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** A valid zstd frame made of raw (stored) blocks: exercises the Zstd path without a compressor. */
function zstdRawFrame(plain: Uint8Array): Uint8Array {
  const blocks: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58])]; // magic, FHD: no checksum, window desc
  const max = 128 * 1024 - 1;
  for (let at = 0; at < plain.length || at === 0; at += max) {
    const chunk = plain.subarray(at, Math.min(plain.length, at + max));
    const last = at + max >= plain.length ? 1 : 0;
    const h = (chunk.length << 3) | (0 << 1) | last;
    blocks.push(Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]), Buffer.from(chunk));
    if (last) break;
  }
  return new Uint8Array(Buffer.concat(blocks));
}

describe('event readers reject bad input with typed errors', () => {
  it('an AEDAT 2.0 header with no events (real tonic file, cut inside its preferences)', () => {
    const err = (() => {
      try {
        parseEvents(read('aedat-misc/sample_aedat_header.aedat'), 'sample_aedat_header.aedat');
      } catch (e) {
        return e as DatasetError;
      }
    })();
    expect(err).toBeInstanceOf(DatasetError);
    expect(err?.code).toBe('no-events');
    expect(err?.offset).toBe(599);
    expect(err?.message).toMatch(/sample_aedat_header.aedat at byte 599/);
  });

  it('event bytes that are not a multiple of 8, with the offset of the partial event', () => {
    const bytes = read('dvs128/alex_walking_again.aedat');
    const cut = bytes.subarray(0, bytes.length - 3);
    expect(() => parseAedat2(cut, 'cut.aedat')).toThrow(DatasetFormatError);
    expect(() => parseAedat2(cut, 'cut.aedat')).toThrow(`cut.aedat at byte ${4612 + 8 * 19181}`);
  });

  it('an address outside the DVS128 array, unless told to skip it', () => {
    const bytes = read('dvs128/alex_walking_again.aedat').slice();
    bytes[4612 + 8 * 5 + 2] = 0x80; // set bit 15 of event 5's address
    expect(() => parseAedat2(bytes, 'x.aedat')).toThrow(
      expect.objectContaining({ code: 'out-of-range', offset: 4612 + 40 }),
    );
    expect(parseAedat2(bytes, 'x.aedat', { outOfRange: 'skip' }).count).toBe(19181);
  });

  it('wrong magic, N-MNIST out of range and bad sizes', () => {
    expect(() => parseAedat2(new TextEncoder().encode('#!AER-DAT3.1\r\n'), 'v3.aedat')).toThrow(
      /v3.aedat at byte 9: not an AEDAT 2.0 file/,
    );
    expect(() => parseAedat4(new TextEncoder().encode('#!AER-DAT2.0\r\n'), 'a.aedat4')).toThrow(
      /expected '#!AER-DAT4.0'/,
    );
    expect(() => parseNmnist(Uint8Array.of(40, 1, 0, 0, 1), 'n.bin')).toThrow(/outside the 34x34 sensor/);
    expect(() => parseNmnist(Uint8Array.of(1, 1, 0, 0), 'n.bin')).toThrow(
      expect.objectContaining({ code: 'bad-size', offset: 0 }),
    );
    expect(() => detectEventFormat(Uint8Array.of(1, 2, 3), 'odd.dat')).toThrow(
      /odd.dat at byte 0: not a recognised event file/,
    );
  });

  it('truncated AEDAT 4.0 packets and a corrupt LZ4 packet', () => {
    const bytes = read('aedat-misc/sample.aedat4');
    expect(() => parseAedat4(bytes.subarray(0, 5000), 'short.aedat4')).toThrow(TruncatedFileError);
    const bad = bytes.slice();
    bad[2334 + 8] ^= 0xff; // the first packet's LZ4 frame magic
    expect(() => parseAedat4(bad, 'bad.aedat4')).toThrow(
      expect.objectContaining({ code: 'bad-layout', offset: 2334, file: 'bad.aedat4' }),
    );
    expect(() => parseAedat4(bad, 'bad.aedat4')).toThrow(/cannot decompress lz4 packet/);
  });
});

describe('.npy', () => {
  it('round-trips float32 frames and writes the header NumPy expects', () => {
    const data = Float32Array.from({ length: 2 * 2 * 3 * 4 }, (_, i) => i / 2);
    const bytes = encodeNpy(data, [2, 2, 3, 4]);
    const text = new TextDecoder('latin1').decode(bytes.subarray(0, 128));
    expect(text).toContain("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3, 4), }");
    expect((bytes.length - data.byteLength) % 64).toBe(0);
    const back = decodeNpy(bytes);
    expect(back.shape).toEqual([2, 2, 3, 4]);
    expect(back.data).toEqual(data);
    expect(() => decodeNpy(bytes.subarray(0, bytes.length - 4), 'cut.npy')).toThrow(TruncatedFileError);
  });
});
