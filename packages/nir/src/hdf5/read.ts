import { unzlibSync } from 'fflate';
import { Hdf5Error } from '../errors.js';
import { group, type H5Data, type H5Dataset, type H5DType, type H5Group, type H5Node } from './tree.js';

/**
 * A bounded reader for the HDF5 subset NIR files use (what h5py writes by default): superblock
 * versions 0–3, object headers v1 and v2, old-style groups (symbol table, v1 B-tree, local heap) and
 * compact link messages, contiguous / compact / chunked (v1 B-tree) datasets with deflate, shuffle and
 * Fletcher-32 filters, integer, float, string and variable-length string types.
 *
 * Every offset is checked against the file size, every structure is visited at most once and every
 * count is bounded by the bytes it occupies, so corrupt or hostile input ends in an Hdf5Error, never in
 * a hang, a crash or an out-of-range read.
 */
export interface ReadHdf5Options {
  /** Name used in error messages (default `<hdf5>`). */
  file?: string;
  /** Upper bound on the bytes all datasets may decode to (default 2 GiB). */
  maxDataBytes?: number;
}

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const UNDEFINED = -1;
const MAX_DEPTH = 64;
const MAX_OBJECTS = 1_000_000;

interface Message {
  type: number;
  offset: number;
  size: number;
}

interface DType {
  dtype: H5DType;
  size: number;
  littleEndian: boolean;
  /** Fixed-length string padding: 0 null-terminated, 1 null-padded, 2 space-padded. */
  strPad?: number;
  vlenString?: boolean;
}

interface Filter {
  id: number;
  optional: boolean;
  values: number[];
}

const utf8 = new TextDecoder('utf-8');

export function readHdf5(bytes: Uint8Array, options: ReadHdf5Options = {}): H5Group {
  return new Reader(bytes, options).root();
}

class Reader {
  private readonly dv: DataView;
  private readonly size: number;
  private readonly file: string;
  private offsetSize = 8;
  private lengthSize = 8;
  private base = 0;
  private objects = 0;
  private dataBytes = 0;
  private readonly maxDataBytes: number;
  private readonly parsed = new Map<number, H5Node>();
  private readonly onPath = new Set<number>();
  private readonly heaps = new Map<number, Map<number, [number, number]>>();

  constructor(
    private readonly bytes: Uint8Array,
    options: ReadHdf5Options,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.size = bytes.byteLength;
    this.file = options.file ?? '<hdf5>';
    this.maxDataBytes = options.maxDataBytes ?? 2 ** 31;
  }

  private fail(message: string, offset?: number, path?: string): never {
    throw new Hdf5Error(message, { file: this.file, offset, node: path });
  }

  private need(at: number, n: number, what: string, path?: string): void {
    if (!(at >= 0 && n >= 0 && at + n <= this.size))
      this.fail(
        `${what} needs ${n} bytes but the file ends at byte ${this.size} (truncated or corrupt)`,
        at,
        path,
      );
  }

  private u8(at: number): number {
    this.need(at, 1, 'a field');
    return this.dv.getUint8(at);
  }
  private u16(at: number): number {
    this.need(at, 2, 'a field');
    return this.dv.getUint16(at, true);
  }
  private u32(at: number): number {
    this.need(at, 4, 'a field');
    return this.dv.getUint32(at, true);
  }
  /** An unsigned integer of 1, 2, 4 or 8 bytes; all-ones is UNDEFINED; above 2^53 is an error. */
  private uint(at: number, n: number): number {
    this.need(at, n, 'a field');
    if (n === 1) return this.dv.getUint8(at);
    if (n === 2) return this.dv.getUint16(at, true);
    if (n === 4) {
      const v = this.dv.getUint32(at, true);
      return v === 0xffffffff ? UNDEFINED : v;
    }
    const lo = this.dv.getUint32(at, true);
    const hi = this.dv.getUint32(at + 4, true);
    if (lo === 0xffffffff && hi === 0xffffffff) return UNDEFINED;
    if (hi > 0x1fffff) this.fail(`a 64-bit value (${hi}·2^32 + ${lo}) is beyond any file size`, at);
    return hi * 2 ** 32 + lo;
  }
  private address(at: number): number {
    const a = this.uint(at, this.offsetSize);
    return a === UNDEFINED ? UNDEFINED : a + this.base;
  }
  private length(at: number): number {
    return this.uint(at, this.lengthSize);
  }
  private signature(at: number, sig: string): boolean {
    if (at < 0 || at + 4 > this.size) return false;
    for (let i = 0; i < 4; i++) if (this.bytes[at + i] !== sig.charCodeAt(i)) return false;
    return true;
  }
  private expectSignature(at: number, sig: string, what: string, path: string): void {
    this.need(at, 4, what, path);
    if (!this.signature(at, sig)) this.fail(`${what} should start with "${sig}"`, at, path);
  }

  // ------------------------------------------------------------------ superblock

  root(): H5Group {
    let at = -1;
    for (let o = 0; o + 8 <= this.size; o = o === 0 ? 512 : o * 2) {
      if (SIGNATURE.every((b, i) => this.bytes[o + i] === b)) {
        at = o;
        break;
      }
    }
    if (at < 0)
      this.fail(
        this.size < 8
          ? `${this.size} bytes is too short for an HDF5 file`
          : 'no HDF5 signature (not an HDF5 file)',
        0,
      );
    const version = this.u8(at + 8);
    let rootHeader: number;
    if (version === 0 || version === 1) {
      this.offsetSize = this.u8(at + 13);
      this.lengthSize = this.u8(at + 14);
      this.checkSizes(at);
      let o = at + 24 + (version === 1 ? 4 : 0);
      this.base = this.uint(o, this.offsetSize);
      if (this.base === UNDEFINED) this.base = 0;
      o += 4 * this.offsetSize; // base, free-space, end of file, driver info
      // root group symbol table entry: link name offset, object header address, ...
      rootHeader = this.address(o + this.offsetSize);
    } else if (version === 2 || version === 3) {
      this.offsetSize = this.u8(at + 9);
      this.lengthSize = this.u8(at + 10);
      this.checkSizes(at);
      const o = at + 12;
      this.base = this.uint(o, this.offsetSize);
      if (this.base === UNDEFINED) this.base = 0;
      rootHeader = this.address(o + 3 * this.offsetSize);
    } else {
      this.fail(`superblock version ${version} is not supported (expected 0 to 3)`, at + 8);
    }
    const node = this.object(rootHeader, '/', 0);
    if (node.kind !== 'group') this.fail('the root object is not a group', rootHeader, '/');
    return node;
  }

  private checkSizes(at: number): void {
    for (const [n, what] of [
      [this.offsetSize, 'size of offsets'],
      [this.lengthSize, 'size of lengths'],
    ] as const) {
      if (n !== 2 && n !== 4 && n !== 8) this.fail(`superblock ${what} is ${n} (expected 2, 4 or 8)`, at);
    }
  }

  // ------------------------------------------------------------------ object headers

  private object(addr: number, path: string, depth: number): H5Node {
    if (addr === UNDEFINED) this.fail('object header address is undefined', undefined, path);
    const known = this.parsed.get(addr);
    if (known) return known;
    if (this.onPath.has(addr)) this.fail('the group contains itself (a link cycle)', addr, path);
    if (depth > MAX_DEPTH) this.fail(`groups nest deeper than ${MAX_DEPTH} levels`, addr, path);
    if (++this.objects > MAX_OBJECTS) this.fail(`more than ${MAX_OBJECTS} objects`, addr, path);
    this.onPath.add(addr);
    try {
      const messages = this.messages(addr, path);
      const has = (t: number) => messages.some((m) => m.type === t);
      let node: H5Node;
      if (has(0x11) || has(0x02) || has(0x06)) node = this.group(messages, path, depth);
      else if (has(0x08)) node = this.dataset(messages, path);
      else
        this.fail(
          'object is neither a group nor a dataset (no symbol table, link or layout message)',
          addr,
          path,
        );
      this.parsed.set(addr, node);
      return node;
    } finally {
      this.onPath.delete(addr);
    }
  }

  private messages(addr: number, path: string): Message[] {
    this.need(addr, 16, 'object header', path);
    const out: Message[] = [];
    const chunks: [number, number][] = [];
    const seen = new Set<number>();
    const v2 = this.signature(addr, 'OHDR');
    let creationOrder = false;
    if (v2) {
      const version = this.u8(addr + 4);
      if (version !== 2)
        this.fail(`object header version ${version} (expected 2 after "OHDR")`, addr + 4, path);
      const flags = this.u8(addr + 5);
      creationOrder = (flags & 0x04) !== 0;
      let o = addr + 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
      const sizeBytes = 1 << (flags & 3);
      const chunkSize = this.uint(o, sizeBytes);
      o += sizeBytes;
      // chunk 0's size counts its messages only; continuation blocks count signature and checksum too
      chunks.push([o, chunkSize + 4]);
    } else {
      const version = this.u8(addr);
      if (version !== 1) this.fail(`object header version ${version} (expected 1, or "OHDR")`, addr, path);
      chunks.push([addr + 16, this.u32(addr + 8)]);
    }
    for (let c = 0; c < chunks.length; c++) {
      if (c > 10_000) this.fail('too many object header continuation blocks', addr, path);
      let [o, len] = chunks[c];
      if (seen.has(o)) this.fail('object header continuation blocks form a loop', o, path);
      seen.add(o);
      if (v2 && c > 0) {
        this.expectSignature(o, 'OCHK', 'object header continuation block', path);
        o += 4;
        len -= 4;
      }
      const end = o + (v2 ? len - 4 : len);
      this.need(o, Math.max(0, end - o), 'object header messages', path);
      const headerSize = v2 ? 4 + (creationOrder ? 2 : 0) : 8;
      while (o + headerSize <= end) {
        const type = v2 ? this.u8(o) : this.u16(o);
        const size = v2 ? this.u16(o + 1) : this.u16(o + 2);
        const data = o + headerSize;
        if (data + size > end)
          this.fail(`header message of type ${type} runs past its block (${size} bytes)`, o, path);
        if (type === 0x10) {
          const next = this.address(data);
          const length = this.length(data + this.offsetSize);
          if (next === UNDEFINED || length < (v2 ? 8 : 0))
            this.fail('bad object header continuation message', data, path);
          chunks.push([next, length]);
        } else if (type !== 0) {
          out.push({ type, offset: data, size });
        }
        o = data + size;
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ groups

  private group(messages: Message[], path: string, depth: number): H5Group {
    const g = group();
    const add = (name: string, addr: number) => {
      if (g.children.has(name)) this.fail(`two links named "${name}"`, addr, path);
      g.children.set(name, this.object(addr, `${path === '/' ? '' : path}/${name}`, depth + 1));
    };
    for (const m of messages) {
      if (m.type === 0x11) {
        const btree = this.address(m.offset);
        const heap = this.address(m.offset + this.offsetSize);
        const names = this.localHeap(heap, path);
        for (const [nameOffset, addr] of this.groupEntries(btree, path)) add(names(nameOffset), addr);
      } else if (m.type === 0x02) {
        const flags = this.u8(m.offset + 1);
        const heapAddr = this.address(m.offset + 2 + (flags & 1 ? 8 : 0));
        if (heapAddr !== UNDEFINED)
          this.fail(
            'dense link storage (a fractal heap: more than 8 links in a group written with libver="latest") is not supported; write the file with h5py\'s default libver',
            m.offset,
            path,
          );
      } else if (m.type === 0x06) {
        const [name, addr] = this.link(m, path);
        add(name, addr);
      }
    }
    return g;
  }

  private link(m: Message, path: string): [string, number] {
    let o = m.offset;
    const version = this.u8(o);
    if (version !== 1) this.fail(`link message version ${version} (expected 1)`, o, path);
    const flags = this.u8(o + 1);
    o += 2;
    let linkType = 0;
    if (flags & 0x08) linkType = this.u8(o++);
    if (flags & 0x04) o += 8;
    if (flags & 0x10) o++;
    const lenBytes = 1 << (flags & 3);
    const nameLength = this.uint(o, lenBytes);
    o += lenBytes;
    if (nameLength === UNDEFINED || o + nameLength > m.offset + m.size)
      this.fail('link name runs past its message', o, path);
    const name = utf8.decode(this.bytes.subarray(o, o + nameLength));
    if (linkType !== 0)
      this.fail(
        `link "${name}" is a soft or external link (type ${linkType}); only hard links are supported`,
        o,
        path,
      );
    return [name, this.address(o + nameLength)];
  }

  /** Name lookup in a local heap's data segment. */
  private localHeap(addr: number, path: string): (offset: number) => string {
    this.expectSignature(addr, 'HEAP', 'local heap', path);
    const dataSize = this.length(addr + 8);
    const data = this.address(addr + 8 + 2 * this.lengthSize);
    this.need(data, dataSize, 'local heap data', path);
    return (offset) => {
      if (!(offset >= 0 && offset < dataSize))
        this.fail(`link name offset ${offset} is outside the local heap`, addr, path);
      let end = data + offset;
      const limit = data + dataSize;
      while (end < limit && this.bytes[end] !== 0) end++;
      if (end >= limit) this.fail('link name in the local heap is not NUL-terminated', data + offset, path);
      return utf8.decode(this.bytes.subarray(data + offset, end));
    };
  }

  /** [name offset, object header address] of every symbol under a group B-tree. */
  private groupEntries(root: number, path: string): [number, number][] {
    const out: [number, number][] = [];
    const entrySize = 2 * this.offsetSize + 24;
    this.walkBTree(root, 0, path, (child) => {
      this.expectSignature(child, 'SNOD', 'symbol table node', path);
      const n = this.u16(child + 6);
      this.need(child + 8, n * entrySize, `symbol table node with ${n} entries`, path);
      for (let i = 0; i < n; i++) {
        const e = child + 8 + i * entrySize;
        out.push([this.uint(e, this.offsetSize), this.address(e + this.offsetSize)]);
      }
    });
    return out;
  }

  /**
   * Visits the leaf children of a v1 B-tree (type 0: groups, 1: chunks) once each, with the key
   * before each child. Nodes are visited at most once, so a corrupt tree cannot loop.
   */
  private walkBTree(
    root: number,
    type: 0 | 1,
    path: string,
    leaf: (child: number, keyAt: number) => void,
    keySize = this.lengthSize,
  ): void {
    const seen = new Set<number>();
    const stack: [number, number][] = [[root, -1]];
    while (stack.length) {
      const [node, parentLevel] = stack.pop()!;
      if (seen.has(node)) this.fail('B-tree nodes form a loop', node, path);
      seen.add(node);
      this.expectSignature(node, 'TREE', 'B-tree node', path);
      const nodeType = this.u8(node + 4);
      const level = this.u8(node + 5);
      const entries = this.u16(node + 6);
      if (nodeType !== type) this.fail(`B-tree node type ${nodeType} (expected ${type})`, node + 4, path);
      if (parentLevel >= 0 && level !== parentLevel - 1)
        this.fail(`B-tree node level ${level} under a node of level ${parentLevel}`, node + 5, path);
      const first = node + 8 + 2 * this.offsetSize;
      const stride = keySize + this.offsetSize;
      this.need(first, entries * stride + keySize, `B-tree node with ${entries} entries`, path);
      for (let i = 0; i < entries; i++) {
        const keyAt = first + i * stride;
        const child = this.address(keyAt + keySize);
        if (level === 0) leaf(child, keyAt);
        else stack.push([child, level]);
      }
    }
  }

  // ------------------------------------------------------------------ datasets

  private dataset(messages: Message[], path: string): H5Dataset {
    const find = (t: number, what: string) => {
      const m = messages.find((x) => x.type === t);
      if (!m) this.fail(`dataset has no ${what} message`, undefined, path);
      return m;
    };
    const shape = this.dataspace(find(0x01, 'dataspace'), path);
    const type = this.datatype(find(0x03, 'datatype').offset, path, 0);
    const pipeline = messages.find((x) => x.type === 0x0b);
    const filters = pipeline ? this.filters(pipeline, path) : [];
    const count = shape.reduce((a, b) => a * b, 1);
    const nbytes = count * type.size;
    this.dataBytes += nbytes;
    if (!Number.isSafeInteger(nbytes) || this.dataBytes > this.maxDataBytes)
      this.fail(`datasets decode to more than ${this.maxDataBytes} bytes`, undefined, path);
    const raw = this.layout(find(0x08, 'data layout'), shape, type, filters, nbytes, path);
    return { kind: 'dataset', dtype: type.dtype, shape, data: this.decode(raw, count, type, path) };
  }

  private dataspace(m: Message, path: string): number[] {
    const version = this.u8(m.offset);
    const rank = this.u8(m.offset + 1);
    let dims: number;
    if (version === 1) dims = m.offset + 8;
    else if (version === 2) {
      const kind = this.u8(m.offset + 3);
      if (kind === 2) return [0];
      dims = m.offset + 4;
    } else this.fail(`dataspace version ${version} (expected 1 or 2)`, m.offset, path);
    if (rank > 32) this.fail(`dataspace rank ${rank} (at most 32)`, m.offset + 1, path);
    const shape: number[] = [];
    for (let i = 0; i < rank; i++) {
      const d = this.length(dims + i * this.lengthSize);
      if (d === UNDEFINED) this.fail('dataspace dimension is undefined', dims, path);
      shape.push(d);
    }
    if (!Number.isSafeInteger(shape.reduce((a, b) => a * b, 1)))
      this.fail(`dataspace [${shape}] is too large`, dims, path);
    return shape;
  }

  private datatype(at: number, path: string, depth: number): DType {
    if (depth > 4) this.fail('datatype nests too deeply', at, path);
    const head = this.u8(at);
    const cls = head & 0x0f;
    const b0 = this.u8(at + 1);
    const size = this.u32(at + 4);
    const littleEndian = (b0 & 1) === 0;
    switch (cls) {
      case 0: {
        const signed = (b0 & 0x08) !== 0;
        if (size !== 1 && size !== 2 && size !== 4 && size !== 8)
          this.fail(`integer of ${size} bytes (expected 1, 2, 4 or 8)`, at + 4, path);
        return { dtype: `${signed ? 'i' : 'u'}${size}` as H5DType, size, littleEndian };
      }
      case 1:
        if (b0 & 0x40) this.fail('VAX floats are not supported', at + 1, path);
        if (size !== 4 && size !== 8)
          this.fail(`floating-point of ${size} bytes (only 4 and 8 are supported)`, at + 4, path);
        return { dtype: size === 4 ? 'f4' : 'f8', size, littleEndian };
      case 3:
        return { dtype: 'str', size, littleEndian: true, strPad: b0 & 0x0f };
      case 8: {
        const base = this.datatype(at + 8, path, depth + 1);
        if (base.dtype === 'str' || base.dtype[0] === 'f') this.fail('enum of a non-integer type', at, path);
        return base.size === 1 ? { ...base, dtype: 'bool' } : base;
      }
      case 9:
        if ((b0 & 0x0f) !== 1)
          this.fail(
            'variable-length sequences are not supported (only variable-length strings)',
            at + 1,
            path,
          );
        return { dtype: 'str', size: 4 + this.offsetSize + 4, littleEndian: true, vlenString: true };
      default:
        this.fail(
          `datatype class ${cls} (${['', '', 'time', '', 'bitfield', 'opaque', 'compound', 'reference', '', '', 'array'][cls] || 'unknown'}) is not supported`,
          at,
          path,
        );
    }
  }

  private filters(m: Message, path: string): Filter[] {
    const version = this.u8(m.offset);
    const n = this.u8(m.offset + 1);
    if (version !== 1 && version !== 2) this.fail(`filter pipeline version ${version}`, m.offset, path);
    let o = m.offset + (version === 1 ? 8 : 2);
    const end = m.offset + m.size;
    const out: Filter[] = [];
    for (let i = 0; i < n; i++) {
      const id = this.u16(o);
      const nameLength = version === 1 || id >= 256 ? this.u16(o + 2) : 0;
      o += version === 1 || id >= 256 ? 4 : 2;
      const flags = this.u16(o);
      const nValues = this.u16(o + 2);
      o += 4;
      o += version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength;
      const values: number[] = [];
      for (let k = 0; k < nValues; k++) values.push(this.u32(o + 4 * k));
      o += 4 * nValues + (version === 1 && nValues % 2 ? 4 : 0);
      if (o > end) this.fail('filter pipeline runs past its message', m.offset, path);
      out.push({ id, optional: (flags & 1) !== 0, values });
    }
    return out;
  }

  private layout(
    m: Message,
    shape: number[],
    type: DType,
    filters: Filter[],
    nbytes: number,
    path: string,
  ): Uint8Array {
    const version = this.u8(m.offset);
    let cls: number;
    let o: number;
    if (version === 1 || version === 2) {
      const dimensionality = this.u8(m.offset + 1);
      cls = this.u8(m.offset + 2);
      o = m.offset + 8;
      if (cls === 0) {
        const at = o + 4 * dimensionality;
        return this.take(at + 4, this.u32(at), nbytes, path);
      }
      const addr = this.address(o);
      o += this.offsetSize;
      if (cls === 1) return this.take(addr, nbytes, nbytes, path);
      const dims = Array.from({ length: dimensionality }, (_, i) => this.u32(o + 4 * i));
      return this.chunked(addr, dims, shape, type, filters, nbytes, path);
    }
    if (version !== 3 && version !== 4)
      this.fail(`data layout version ${version} (expected 1 to 4)`, m.offset, path);
    cls = this.u8(m.offset + 1);
    o = m.offset + 2;
    if (cls === 0) return this.take(o + 2, this.u16(o), nbytes, path);
    if (cls === 1) {
      const addr = this.address(o);
      const size = this.length(o + this.offsetSize);
      if (addr === UNDEFINED) return new Uint8Array(nbytes); // never written: the fill value, zeros
      if (size < nbytes)
        this.fail(`contiguous data of ${size} bytes, the dataspace needs ${nbytes}`, o, path);
      return this.take(addr, nbytes, nbytes, path);
    }
    if (cls !== 2)
      this.fail(`data layout class ${cls} (virtual datasets are not supported)`, m.offset + 1, path);
    if (version === 4)
      this.fail(
        'chunked layout version 4 (libver="latest") is not supported; write with h5py\'s default libver',
        m.offset,
        path,
      );
    const dimensionality = this.u8(o);
    const addr = this.address(o + 1);
    const dims = Array.from({ length: dimensionality }, (_, i) => this.u32(o + 1 + this.offsetSize + 4 * i));
    return this.chunked(addr, dims, shape, type, filters, nbytes, path);
  }

  /** `n` bytes at `at` (checked against `expected`, the dataspace's size). */
  private take(at: number, n: number, expected: number, path: string): Uint8Array {
    if (n < expected) this.fail(`data of ${n} bytes, the dataspace needs ${expected}`, at, path);
    this.need(at, expected, 'dataset data', path);
    return this.bytes.subarray(at, at + expected);
  }

  private chunked(
    btree: number,
    dims: number[],
    shape: number[],
    type: DType,
    filters: Filter[],
    nbytes: number,
    path: string,
  ): Uint8Array {
    const rank = shape.length;
    if (dims.length !== rank + 1)
      this.fail(`chunk of ${dims.length - 1} dimensions for a rank-${rank} dataset`, btree, path);
    const chunk = dims.slice(0, rank);
    if (dims[rank] !== type.size || chunk.some((c) => c < 1))
      this.fail(`chunk dimensions [${dims}] do not fit the element size ${type.size}`, btree, path);
    const out = new Uint8Array(nbytes);
    if (btree === UNDEFINED || nbytes === 0) return out;
    const chunkBytes = chunk.reduce((a, b) => a * b, type.size);
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes > this.maxDataBytes)
      this.fail(`chunks of [${chunk}] are too large`, btree, path);
    const keySize = 8 + 8 * (rank + 1);
    this.walkBTree(
      btree,
      1,
      path,
      (child, keyAt) => {
        const stored = this.u32(keyAt);
        const mask = this.u32(keyAt + 4);
        const origin = Array.from({ length: rank }, (_, i) => this.uint(keyAt + 8 + 8 * i, 8));
        if (origin.some((v, i) => v === UNDEFINED || v % chunk[i] !== 0 || v >= shape[i]))
          this.fail(`chunk at [${origin}] does not lie on the chunk grid of [${shape}]`, keyAt, path);
        this.need(child, stored, 'data chunk', path);
        let data = this.bytes.subarray(child, child + stored);
        for (let f = filters.length - 1; f >= 0; f--) {
          if (mask & (1 << f)) continue;
          data = this.unfilter(filters[f], data, chunkBytes, type.size, child, path);
        }
        if (data.length !== chunkBytes)
          this.fail(`chunk decodes to ${data.length} bytes, expected ${chunkBytes}`, child, path);
        copyChunk(data, out, origin, chunk, shape, type.size);
      },
      keySize,
    );
    return out;
  }

  private unfilter(
    f: Filter,
    data: Uint8Array,
    expected: number,
    elem: number,
    at: number,
    path: string,
  ): Uint8Array {
    switch (f.id) {
      case 1: {
        // one byte more than expected: a stream that fills it is too long (fflate stops at the buffer's end)
        let out: Uint8Array;
        try {
          out = unzlibSync(data, { out: new Uint8Array(expected + 1) });
        } catch (e) {
          this.fail(`deflate data is corrupt (${(e as Error).message})`, at, path);
        }
        if (out.length > expected)
          this.fail(`deflate data inflates to more than ${expected} bytes`, at, path);
        return out;
      }
      case 2: {
        const n = Math.floor(data.length / elem);
        const out = new Uint8Array(data.length);
        for (let b = 0; b < elem; b++) for (let i = 0; i < n; i++) out[i * elem + b] = data[b * n + i];
        out.set(data.subarray(n * elem), n * elem);
        return out;
      }
      case 3:
        if (data.length < 4) this.fail('Fletcher-32 chunk shorter than its checksum', at, path);
        return data.subarray(0, data.length - 4);
      default:
        if (f.optional) return data;
        this.fail(`HDF5 filter ${f.id} is not supported (deflate, shuffle and Fletcher-32 are)`, at, path);
    }
  }

  // ------------------------------------------------------------------ values

  private decode(raw: Uint8Array, count: number, type: DType, path: string): H5Data {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const le = type.littleEndian;
    if (type.dtype === 'str') {
      const out: string[] = [];
      for (let i = 0; i < count; i++) {
        const at = i * type.size;
        out.push(
          type.vlenString
            ? this.vlenString(dv, at, path)
            : fixedString(raw.subarray(at, at + type.size), type.strPad ?? 0),
        );
      }
      return out;
    }
    if (type.dtype === 'f4') {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, le);
      return out;
    }
    const out = new Float64Array(count);
    const read: (at: number) => number = {
      f8: (at: number) => dv.getFloat64(at, le),
      i1: (at: number) => dv.getInt8(at),
      u1: (at: number) => dv.getUint8(at),
      bool: (at: number) => dv.getUint8(at),
      i2: (at: number) => dv.getInt16(at, le),
      u2: (at: number) => dv.getUint16(at, le),
      i4: (at: number) => dv.getInt32(at, le),
      u4: (at: number) => dv.getUint32(at, le),
      i8: (at: number) => Number(dv.getBigInt64(at, le)),
      u8: (at: number) => Number(dv.getBigUint64(at, le)),
    }[type.dtype];
    for (let i = 0; i < count; i++) out[i] = read(i * type.size);
    return out;
  }

  private vlenString(dv: DataView, at: number, path: string): string {
    const length = dv.getUint32(at, true);
    if (length === 0) return '';
    const addrBytes = this.offsetSize;
    let collection = 0;
    for (let i = addrBytes - 1; i >= 0; i--) collection = collection * 256 + dv.getUint8(at + 4 + i);
    const index = dv.getUint32(at + 4 + addrBytes, true);
    const objects = this.globalHeap(collection + this.base, path);
    const obj = objects.get(index);
    if (!obj) this.fail(`string refers to object ${index} missing from the global heap`, collection, path);
    if (length > obj[1]) this.fail(`string of ${length} bytes in a heap object of ${obj[1]}`, obj[0], path);
    return utf8.decode(this.bytes.subarray(obj[0], obj[0] + length));
  }

  /** Object index → [data offset, size] of a global heap collection. */
  private globalHeap(addr: number, path: string): Map<number, [number, number]> {
    const known = this.heaps.get(addr);
    if (known) return known;
    this.expectSignature(addr, 'GCOL', 'global heap collection', path);
    const size = this.length(addr + 8);
    this.need(addr, size, 'global heap collection', path);
    const end = addr + size;
    const objects = new Map<number, [number, number]>();
    const header = 8 + this.lengthSize;
    for (let o = addr + 8 + this.lengthSize; o + header <= end; ) {
      const index = this.u16(o);
      if (index === 0) break; // free space: the rest of the collection
      const objSize = this.length(o + 8);
      const data = o + header;
      if (objSize === UNDEFINED || data + objSize > end)
        this.fail('global heap object runs past its collection', o, path);
      objects.set(index, [data, objSize]);
      o = data + Math.ceil(objSize / 8) * 8;
    }
    this.heaps.set(addr, objects);
    return objects;
  }
}

function fixedString(b: Uint8Array, pad: number): string {
  let end = b.length;
  if (pad === 2) while (end > 0 && b[end - 1] === 0x20) end--;
  else {
    const nul = b.indexOf(0);
    if (nul >= 0) end = nul;
  }
  return utf8.decode(b.subarray(0, end));
}

/** Copies a decoded chunk (origin `origin`, dims `chunk`) into the row-major dataset, clipping at its edges. */
function copyChunk(
  src: Uint8Array,
  dst: Uint8Array,
  origin: number[],
  chunk: number[],
  shape: number[],
  elem: number,
) {
  const rank = shape.length;
  if (rank === 0) {
    dst.set(src.subarray(0, elem));
    return;
  }
  const last = rank - 1;
  const run = Math.min(chunk[last], shape[last] - origin[last]) * elem;
  const idx = new Array<number>(rank).fill(0);
  for (;;) {
    let s = 0;
    let d = 0;
    let inside = true;
    for (let i = 0; i < rank; i++) {
      const g = origin[i] + idx[i];
      if (g >= shape[i]) inside = false;
      s = s * chunk[i] + idx[i];
      d = d * shape[i] + g;
    }
    if (inside) dst.set(src.subarray(s * elem, s * elem + run), d * elem);
    // next row: advance every index but the last
    let i = last - 1;
    while (i >= 0 && ++idx[i] >= chunk[i]) idx[i--] = 0;
    if (i < 0) return;
  }
}
