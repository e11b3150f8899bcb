import type { H5Dataset, H5DType, H5Group, H5Node } from './tree.js';

/**
 * Writes groups and datasets as an HDF5 file in the layout h5py produces by default (superblock 0,
 * version-1 object headers, symbol-table groups, contiguous datasets, variable-length UTF-8 strings in
 * a global heap), which every HDF5 library reads. One symbol-table node per group holds all its links
 * (the superblock's leaf K is sized for the largest group), sorted as HDF5 looks them up.
 */
export function writeHdf5(root: H5Group): Uint8Array {
  return new Writer().file(root);
}

const UNDEF = -1;
const OFFSET = 8;
const INTERNAL_K = 16;
const SUPERBLOCK_SIZE = 96;
const ENTRY_SIZE = 40;
const GCOL_MIN = 4096;
const GCOL_MAX_OBJECTS = 0xffff;

const encoder = new TextEncoder();
const align8 = (n: number) => Math.ceil(n / 8) * 8;

class Buffer {
  private buf = new Uint8Array(1 << 16);
  private dv = new DataView(this.buf.buffer);
  length = 0;

  private grow(n: number) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  /** Reserves `n` zero bytes at an 8-byte aligned address and returns it. */
  alloc(n: number): number {
    const at = align8(this.length);
    this.grow(at + n - this.length);
    this.length = at + n;
    return at;
  }
  u8(at: number, v: number) {
    this.dv.setUint8(at, v);
  }
  u16(at: number, v: number) {
    this.dv.setUint16(at, v, true);
  }
  u32(at: number, v: number) {
    this.dv.setUint32(at, v, true);
  }
  u64(at: number, v: number) {
    if (v === UNDEF) {
      this.dv.setUint32(at, 0xffffffff, true);
      this.dv.setUint32(at + 4, 0xffffffff, true);
    } else {
      this.dv.setUint32(at, v % 2 ** 32, true);
      this.dv.setUint32(at + 4, Math.floor(v / 2 ** 32), true);
    }
  }
  bytes(at: number, b: Uint8Array) {
    this.buf.set(b, at);
  }
  ascii(at: number, s: string) {
    for (let i = 0; i < s.length; i++) this.buf[at + i] = s.charCodeAt(i);
  }
  view(at: number, n: number): DataView {
    return new DataView(this.buf.buffer, at, n);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Encoded header message: type and body (padded to 8 bytes when written). */
type Msg = [type: number, body: Uint8Array];

function body(size: number, fill: (dv: DataView, b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(size);
  fill(new DataView(b.buffer), b);
  return b;
}

const ELEM_SIZE: Record<H5DType, number> = {
  f4: 4,
  f8: 8,
  i1: 1,
  i2: 2,
  i4: 4,
  i8: 8,
  u1: 1,
  u2: 2,
  u4: 4,
  u8: 8,
  bool: 1,
  str: 16,
};

function datatypeMessage(dtype: H5DType): Uint8Array {
  if (dtype === 'f4' || dtype === 'f8') {
    const f8 = dtype === 'f8';
    return body(20, (dv) => {
      dv.setUint8(0, 0x11); // floating point, version 1
      dv.setUint8(1, 0x20); // little-endian, implied mantissa bit
      dv.setUint8(2, f8 ? 63 : 31); // sign bit
      dv.setUint32(4, f8 ? 8 : 4, true);
      dv.setUint16(10, f8 ? 64 : 32, true);
      dv.setUint8(12, f8 ? 52 : 23);
      dv.setUint8(13, f8 ? 11 : 8);
      dv.setUint8(15, f8 ? 52 : 23);
      dv.setUint32(16, f8 ? 1023 : 127, true);
    });
  }
  if (dtype === 'str') {
    return body(20, (dv) => {
      dv.setUint8(0, 0x19); // variable-length, version 1
      dv.setUint8(1, 0x01); // string
      dv.setUint8(2, 0x01); // UTF-8
      dv.setUint32(4, 16, true);
      dv.setUint8(8, 0x10); // base: 1-byte unsigned integer
      dv.setUint32(12, 1, true);
      dv.setUint16(18, 8, true);
    });
  }
  const size = ELEM_SIZE[dtype];
  const signed = dtype[0] === 'i';
  return body(12, (dv) => {
    dv.setUint8(0, 0x10); // fixed point, version 1
    dv.setUint8(1, signed ? 0x08 : 0);
    dv.setUint32(4, size, true);
    dv.setUint16(10, size * 8, true);
  });
}

function dataspaceMessage(shape: number[]): Uint8Array {
  return body(8 + 8 * shape.length, (dv) => {
    dv.setUint8(0, 1);
    dv.setUint8(1, shape.length);
    shape.forEach((d, i) => {
      dv.setUint32(8 + 8 * i, d % 2 ** 32, true);
      dv.setUint32(12 + 8 * i, Math.floor(d / 2 ** 32), true);
    });
  });
}

/** Fill value message v2: allocation early, fill never written, no fill value defined. */
const FILL_MESSAGE = Uint8Array.of(2, 1, 2, 0);

class Writer {
  private readonly out = new Buffer();
  /** Where each string lives in the global heap: [collection address, object index]. */
  private readonly strings = new Map<string, [number, number]>();
  private leafK = 4;

  file(root: H5Group): Uint8Array {
    const sb = this.out.alloc(SUPERBLOCK_SIZE);
    this.leafK = Math.max(4, Math.ceil(maxChildren(root) / 2));
    this.globalHeaps(root);
    const { header, btree, heap } = this.group(root);
    const o = this.out;
    o.bytes(sb, Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a));
    // versions 0, sizes of offsets and lengths 8, group K values, flags 0
    o.u8(sb + 13, OFFSET);
    o.u8(sb + 14, OFFSET);
    o.u16(sb + 16, this.leafK);
    o.u16(sb + 18, INTERNAL_K);
    o.u64(sb + 24, 0); // base address
    o.u64(sb + 32, UNDEF); // free-space info
    o.u64(sb + 40, o.length); // end of file
    o.u64(sb + 48, UNDEF); // driver info
    this.entry(sb + 56, 0, header, { btree, heap });
    return o.result();
  }

  /** Symbol table entry; groups carry their B-tree and heap in the scratch pad (cache type 1). */
  private entry(at: number, nameOffset: number, header: number, cache?: { btree: number; heap: number }) {
    this.out.u64(at, nameOffset);
    this.out.u64(at + 8, header);
    if (cache) {
      this.out.u32(at + 16, 1);
      this.out.u64(at + 24, cache.btree);
      this.out.u64(at + 32, cache.heap);
    }
  }

  private objectHeader(messages: Msg[]): number {
    const size = messages.reduce((a, [, b]) => a + 8 + align8(b.length), 0);
    const at = this.out.alloc(16 + size);
    this.out.u8(at, 1);
    this.out.u16(at + 2, messages.length);
    this.out.u32(at + 4, 1);
    this.out.u32(at + 8, size);
    let o = at + 16;
    for (const [type, b] of messages) {
      this.out.u16(o, type);
      this.out.u16(o + 2, align8(b.length));
      this.out.bytes(o + 8, b);
      o += 8 + align8(b.length);
    }
    return at;
  }

  private group(g: H5Group): { header: number; btree: number; heap: number } {
    // children first, so that their addresses are known; links sorted as HDF5 compares names (bytes)
    const names = [...g.children.keys()].sort((a, b) => compareBytes(encoder.encode(a), encoder.encode(b)));
    const children = names.map((name) => {
      const child = g.children.get(name)!;
      return { name, ...(child.kind === 'group' ? this.group(child) : { header: this.dataset(child) }) };
    });
    // local heap: "" at offset 0, then each name NUL-terminated and padded to 8 bytes
    const offsets: number[] = [];
    let dataSize = 8;
    const encoded = names.map((n) => encoder.encode(n));
    for (const e of encoded) {
      offsets.push(dataSize);
      dataSize += align8(e.length + 1);
    }
    const heap = this.out.alloc(32);
    const data = this.out.alloc(dataSize);
    this.out.ascii(heap, 'HEAP');
    this.out.u64(heap + 8, dataSize);
    this.out.u64(heap + 16, 1); // no free block
    this.out.u64(heap + 24, data);
    for (const [i, e] of encoded.entries()) this.out.bytes(data + offsets[i], e);
    // one symbol table node with every entry
    const snod = this.out.alloc(8 + 2 * this.leafK * ENTRY_SIZE);
    this.out.ascii(snod, 'SNOD');
    this.out.u8(snod + 4, 1);
    this.out.u16(snod + 6, children.length);
    children.forEach((c, i) => {
      const cache = 'btree' in c ? { btree: c.btree, heap: c.heap } : undefined;
      this.entry(snod + 8 + i * ENTRY_SIZE, offsets[i], c.header, cache);
    });
    // a one-leaf B-tree: key 0 (""), the node, key = the last name
    const btree = this.out.alloc(24 + 2 * INTERNAL_K * 16 + 8);
    this.out.ascii(btree, 'TREE');
    this.out.u16(btree + 6, children.length ? 1 : 0);
    this.out.u64(btree + 8, UNDEF);
    this.out.u64(btree + 16, UNDEF);
    if (children.length) {
      this.out.u64(btree + 24, 0);
      this.out.u64(btree + 32, snod);
      this.out.u64(btree + 40, offsets[offsets.length - 1]);
    }
    const header = this.objectHeader([
      [
        0x11,
        body(16, (dv) => {
          dv.setBigUint64(0, BigInt(btree), true);
          dv.setBigUint64(8, BigInt(heap), true);
        }),
      ],
    ]);
    return { header, btree, heap };
  }

  private dataset(d: H5Dataset): number {
    const elem = ELEM_SIZE[d.dtype];
    const count = d.data.length;
    const nbytes = count * elem;
    const data = nbytes ? this.out.alloc(nbytes) : UNDEF;
    if (nbytes) this.values(d, this.out.view(data, nbytes));
    const layout = body(18, (dv) => {
      dv.setUint8(0, 3);
      dv.setUint8(1, 1); // contiguous
      if (data === UNDEF) {
        dv.setUint32(2, 0xffffffff, true);
        dv.setUint32(6, 0xffffffff, true);
      } else dv.setBigUint64(2, BigInt(data), true);
      dv.setBigUint64(10, BigInt(nbytes), true);
    });
    return this.objectHeader([
      [0x01, dataspaceMessage(d.shape)],
      [0x03, datatypeMessage(d.dtype)],
      [0x05, FILL_MESSAGE],
      [0x08, layout],
    ]);
  }

  private values(d: H5Dataset, dv: DataView) {
    const data = d.data;
    if (d.dtype === 'str') {
      (data as string[]).forEach((s, i) => {
        const [collection, index] = this.strings.get(s)!;
        dv.setUint32(16 * i, encoder.encode(s).length, true);
        if (s.length) {
          dv.setBigUint64(16 * i + 4, BigInt(collection), true);
          dv.setUint32(16 * i + 12, index, true);
        }
      });
      return;
    }
    const nums = data as Float32Array | Float64Array;
    const set: (i: number, v: number) => void = {
      f4: (i: number, v: number) => dv.setFloat32(4 * i, v, true),
      f8: (i: number, v: number) => dv.setFloat64(8 * i, v, true),
      i1: (i: number, v: number) => dv.setInt8(i, v),
      u1: (i: number, v: number) => dv.setUint8(i, v),
      bool: (i: number, v: number) => dv.setUint8(i, v ? 1 : 0),
      i2: (i: number, v: number) => dv.setInt16(2 * i, v, true),
      u2: (i: number, v: number) => dv.setUint16(2 * i, v, true),
      i4: (i: number, v: number) => dv.setInt32(4 * i, v, true),
      u4: (i: number, v: number) => dv.setUint32(4 * i, v, true),
      i8: (i: number, v: number) => dv.setBigInt64(8 * i, BigInt(v), true),
      u8: (i: number, v: number) => dv.setBigUint64(8 * i, BigInt(v), true),
    }[d.dtype];
    for (let i = 0; i < nums.length; i++) {
      if (d.dtype !== 'f4' && d.dtype !== 'f8' && !Number.isSafeInteger(nums[i]))
        throw new Error(`value ${nums[i]} is not an integer for dtype ${d.dtype}`);
      set(i, nums[i]);
    }
  }

  /** Every distinct non-empty string of the tree, in global heap collections of at most 65535 objects. */
  private globalHeaps(root: H5Group) {
    const all = new Set<string>();
    const visit = (n: H5Node) => {
      if (n.kind === 'group') for (const c of n.children.values()) visit(c);
      else if (n.dtype === 'str') for (const s of n.data as string[]) if (s.length) all.add(s);
    };
    visit(root);
    const list = [...all];
    for (let start = 0; start < list.length; start += GCOL_MAX_OBJECTS) {
      const part = list.slice(start, start + GCOL_MAX_OBJECTS).map((s) => encoder.encode(s));
      const used = 16 + part.reduce((a, e) => a + 16 + align8(e.length), 0);
      // libhdf5 reads at least 4096 bytes of a collection; the rest is one free-space object
      const size = Math.max(GCOL_MIN, used + 16);
      const at = this.out.alloc(size);
      this.out.ascii(at, 'GCOL');
      this.out.u8(at + 4, 1);
      this.out.u64(at + 8, size);
      let o = at + 16;
      part.forEach((e, i) => {
        this.out.u16(o, i + 1);
        this.out.u16(o + 2, 1);
        this.out.u64(o + 8, e.length);
        this.out.bytes(o + 16, e);
        this.strings.set(list[start + i], [at, i + 1]);
        o += 16 + align8(e.length);
      });
      this.out.u64(o + 8, at + size - o); // free space (index 0), its size includes its header
    }
  }
}

function maxChildren(g: H5Group): number {
  let m = g.children.size;
  for (const c of g.children.values()) if (c.kind === 'group') m = Math.max(m, maxChildren(c));
  return m;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
