/**
 * LZ4 frame decoder (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md) for AEDAT 4 packets.
 * Strict: every length is checked against the input and the output limit and every match offset
 * against the bytes already produced, so a corrupted frame fails at once with the reason. lz4js, used
 * before, wrote past its output without checks (typed arrays drop such stores, slowly): an 8 KB packet
 * with 3 edited bytes kept it busy for 3.3 s, and it reads a block checksum before the block instead
 * of after. Checksums are skipped, not verified (as lz4js did).
 */

const MAGIC = 0x184d2204;
/** Block maximum sizes by the BD byte's 3-bit index (4–7 are the valid ones). */
const BLOCK_MAX = [0, 0, 0, 0, 65_536, 262_144, 1_048_576, 4_194_304];
const MIN_MATCH = 4;

function u32(src: Uint8Array, at: number): number {
  return (src[at] | (src[at + 1] << 8) | (src[at + 2] << 16) | (src[at + 3] << 24)) >>> 0;
}

/** Decompresses one LZ4 frame of at most `maxSize` bytes; throws an Error naming what is wrong. */
export function decompressLz4Frame(src: Uint8Array, maxSize: number): Uint8Array {
  let s = 0;
  const need = (n: number, what: string) => {
    if (s + n > src.length) throw new Error(`frame cut short in the ${what} at byte ${s}`);
  };
  need(7, 'frame header');
  if (u32(src, 0) !== MAGIC) throw new Error('not an LZ4 frame (magic number)');
  const flg = src[4];
  if (flg >> 6 !== 1) throw new Error(`frame version ${flg >> 6}, expected 1`);
  const blockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const blockMax = BLOCK_MAX[(src[5] >> 4) & 7];
  if (!blockMax) throw new Error(`block size code ${(src[5] >> 4) & 7}, expected 4–7`);
  s = 6;
  let contentSize = -1;
  if (hasContentSize) {
    need(8, 'content size');
    contentSize = u32(src, s) + u32(src, s + 4) * 2 ** 32;
    if (contentSize > maxSize) throw new Error(`content size ${contentSize} above the limit ${maxSize}`);
    s += 8;
  }
  if (flg & 0x01) throw new Error('frames that need a dictionary are not supported');
  need(1, 'header checksum');
  s += 1;

  let out = new Uint8Array(contentSize >= 0 ? contentSize : Math.min(maxSize, blockMax));
  let d = 0;
  /** Room for `n` more bytes (`n` ≤ blockMax), within maxSize. */
  const reserve = (n: number) => {
    if (d + n <= out.length) return;
    const size = Math.min(maxSize, Math.max(d + n, 2 * out.length));
    const grown = new Uint8Array(size);
    grown.set(out.subarray(0, d));
    out = grown;
  };
  for (;;) {
    need(4, 'block size');
    const word = u32(src, s);
    s += 4;
    if (word === 0) break; // end mark
    const len = word & 0x7fffffff;
    if (len > blockMax) throw new Error(`block of ${len} bytes above the frame's block size ${blockMax}`);
    need(len + (blockChecksum ? 4 : 0), 'block');
    if (word & 0x80000000) {
      if (d + len > maxSize) throw new Error(`output above the limit ${maxSize}`);
      reserve(len);
      out.set(src.subarray(s, s + len), d);
      d += len;
    } else {
      reserve(Math.min(blockMax, maxSize - d));
      d = decodeBlock(src, s, s + len, out, d, Math.min(out.length, d + blockMax));
    }
    s += len + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum) need(4, 'content checksum');
  if (contentSize >= 0 && d !== contentSize) {
    throw new Error(`frame declares ${contentSize} bytes and holds ${d}`);
  }
  return out.subarray(0, d);
}

/** One compressed block from src[s, end) into out at d, not past `limit`; returns the new end of out. */
function decodeBlock(
  src: Uint8Array,
  s: number,
  end: number,
  out: Uint8Array,
  d: number,
  limit: number,
): number {
  const length = (n: number): number => {
    let b: number;
    do {
      if (s >= end) throw new Error('length runs past the block');
      b = src[s++];
      n += b;
    } while (b === 255);
    return n;
  };
  while (s < end) {
    const token = src[s++];
    let lit = token >> 4;
    if (lit === 15) lit = length(lit);
    if (s + lit > end) throw new Error('literals run past the block');
    if (d + lit > limit) throw new Error('literals overflow the output');
    for (const stop = s + lit; s < stop; ) out[d++] = src[s++];
    if (s === end) break; // the last sequence has literals only
    if (s + 2 > end) throw new Error('match offset cut short');
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Error(`match offset ${offset} outside the ${d} bytes decoded`);
    let match = token & 15;
    if (match === 15) match = length(match);
    match += MIN_MATCH;
    if (d + match > limit) throw new Error('match overflows the output');
    // byte by byte: a match may overlap the bytes it produces (offset < length repeats a pattern)
    for (let from = d - offset, stop = d + match; d < stop; ) out[d++] = out[from++];
  }
  return d;
}
