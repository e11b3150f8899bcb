import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Hdf5Error } from '../errors.js';
import { python, referenceOrSkip } from '../test/reference.js';
import { readHdf5 } from './read.js';
import type { H5Group, H5Node } from './tree.js';
import { writeHdf5 } from './write.js';

/**
 * The HDF5 subset against h5py (libhdf5): files h5py writes — chunked with gzip, shuffle and
 * Fletcher-32, many links per group, every type NIR uses, and libver="latest" — are read here, and
 * what writeHdf5 writes is read back by h5py; both sides are compared value by value.
 */
const hasPython = referenceOrSkip();
const tmp = mkdtempSync(path.join(tmpdir(), 'hdf5-'));

const WRITE = `
import h5py, numpy as np, sys
with h5py.File(sys.argv[1], 'w', libver=sys.argv[2]) as f:
    chunked = sys.argv[3] == 'chunked'
    opts = dict(chunks=(3, 2), compression='gzip', shuffle=True, fletcher32=True) if chunked else {}
    f.create_dataset('a', data=np.arange(35, dtype=np.float32).reshape(7, 5) / 3, **opts)
    f.create_dataset('b', data=np.arange(1, 11, dtype=np.int64) * -3, **(dict(chunks=(4,), compression='gzip') if chunked else {}))
    f.create_dataset('c', data=np.arange(6, dtype=np.uint16).reshape(2, 3))
    g = f.create_group('g')
    g.create_dataset('s', data='h\\u00e9llo', dtype=h5py.string_dtype())
    g.create_dataset('fs', data=np.bytes_('abc'), dtype='S5')
    g.create_dataset('bool', data=np.array([True, False, True]))
    g.create_dataset('f64', data=np.float64(1) / 7)
    g.create_dataset('empty', data=np.zeros((0,), np.float32))
    g.create_dataset('edges', data=np.array([['in', 'x'], ['x', 'out']], dtype=object), dtype=h5py.string_dtype())
    many = f.create_group('many')
    for i in range(20):
        many.create_dataset(str(i), data=np.int32(i))
    f.create_group('deep/er/still')
`;

const DUMP = `
import h5py, numpy as np, json, sys
out = {}
def visit(name, o):
    if isinstance(o, h5py.Dataset):
        v = o[()]
        if isinstance(v, bytes): v = v.decode()
        elif isinstance(v, np.ndarray) and v.dtype.kind in 'OS': v = [x.decode() if isinstance(x, bytes) else x for x in v.flatten()]
        elif isinstance(v, np.ndarray): v = v.astype(np.float64).flatten().tolist()
        else: v = float(v)
        out[name] = {'shape': list(o.shape), 'value': v}
    else:
        out[name] = 'group'
with h5py.File(sys.argv[1], 'r') as f:
    f.visititems(visit)
print(json.dumps(out))
`;

/** The same dump, from our reader. */
function dump(root: H5Group): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (g: H5Group, prefix: string) => {
    for (const [name, child] of g.children) {
      const p = prefix ? `${prefix}/${name}` : name;
      if (child.kind === 'group') {
        out[p] = 'group';
        walk(child, p);
      } else {
        const values =
          child.dtype === 'str' ? [...(child.data as string[])] : Array.from(child.data as ArrayLike<number>);
        const scalar = child.shape.length === 0;
        out[p] = { shape: child.shape, value: scalar ? values[0] : values };
      }
    }
  };
  walk(root, '');
  return out;
}

describe.skipIf(!hasPython)('HDF5 subset against h5py', () => {
  for (const layout of ['contiguous', 'chunked']) {
    it(`reads what h5py writes (${layout}, libver earliest)`, () => {
      const file = path.join(tmp, `${layout}.h5`);
      python(WRITE, [file, 'earliest', layout]);
      const want = JSON.parse(python(DUMP, [file]));
      const got = dump(readHdf5(new Uint8Array(readFileSync(file)), { file }));
      // h5py returns float32 values widened to float64: the same numbers
      expect(got).toEqual(want);
      expect(Object.keys(got).filter((k) => k.startsWith('many/'))).toHaveLength(20);
    });
  }

  it('reads libver="latest" files with compact links; its chunked layout v4 is a typed error', () => {
    const file = path.join(tmp, 'latest.h5');
    python(WRITE, [file, 'latest', 'contiguous']);
    expect(() => readHdf5(new Uint8Array(readFileSync(file)), { file })).toThrow(/dense link storage/);
    const small = path.join(tmp, 'latest-small.h5');
    python(
      `import h5py, numpy as np, sys
with h5py.File(sys.argv[1], 'w', libver='latest') as f:
    f.create_dataset('w', data=np.arange(6, dtype=np.float32).reshape(2, 3))
    f.create_dataset('t', data='LIF', dtype=h5py.string_dtype())
    f.create_group('g').create_dataset('i', data=np.int64(-5))
    if sys.argv[2] == 'chunked':
        f.create_dataset('z', data=np.ones(4, np.float32), chunks=(2,), compression='gzip')`,
      [small, 'contiguous'],
    );
    expect(dump(readHdf5(new Uint8Array(readFileSync(small))))).toEqual(JSON.parse(python(DUMP, [small])));
    const chunked = path.join(tmp, 'latest-chunked.h5');
    python(
      `import h5py, numpy as np, sys
with h5py.File(sys.argv[1], 'w', libver='latest') as f:
    f.create_dataset('z', data=np.ones(4, np.float32), chunks=(2,), compression='gzip')`,
      [chunked],
    );
    const bytes = new Uint8Array(readFileSync(chunked));
    expect(() => readHdf5(bytes, { file: 'latest-chunked.h5' })).toThrow(Hdf5Error);
    expect(() => readHdf5(bytes, { file: 'latest-chunked.h5' })).toThrow(/chunked layout version 4/);
  });

  it('h5py reads what writeHdf5 writes', () => {
    const src = path.join(tmp, 'src.h5');
    python(WRITE, [src, 'earliest', 'chunked']);
    const tree = readHdf5(new Uint8Array(readFileSync(src)));
    const file = path.join(tmp, 'ours.h5');
    writeFileSync(file, writeHdf5(tree));
    expect(JSON.parse(python(DUMP, [file]))).toEqual(dump(tree));
  });
});

describe('HDF5 reader bounds', () => {
  it('an 8-byte signature alone is a truncated file, not a crash', () => {
    const b = new Uint8Array(64);
    b.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(() => readHdf5(b, { file: 'sig.h5' })).toThrow(Hdf5Error);
  });

  it('an empty root group round-trips', () => {
    const g: H5Group = { kind: 'group', children: new Map<string, H5Node>() };
    const bytes = writeHdf5(g);
    expect(dump(readHdf5(bytes))).toEqual({});
  });
});
