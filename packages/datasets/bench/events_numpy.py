"""NumPy counterpart of synaptogen's events -> frames pipeline: read AEDAT 2.0 (DVS128) files, decode
the big-endian (address, timestamp) words with SpikingJelly's mapping and integrate [T, 2, 128, 128]
float32 frames split by event count. Two vectorisations are timed and the faster one is reported:
'per-frame' (one bincount per frame, as ../shared/peer/events_numpy.py does) and 'single' (one
bincount over frame * 2HW + pixel). Prints one JSON line with events/s.

  /usr/bin/python3 events_numpy.py ../shared/data/dvs128/*.aedat --frames 10 --repeats 5
"""
import argparse, json, time
import numpy as np

H = W = 128


def read_aedat2(path):
    with open(path, 'rb') as f:
        data = f.read()
    p = 0
    while p < len(data) and data[p:p + 1] == b'#':
        p = data.index(b'\n', p) + 1
    words = np.frombuffer(data, dtype='>u4', offset=p, count=(len(data) - p) // 4)
    addr, t = words[0::2], words[1::2]
    x = 127 - ((addr & 0x7F00) >> 8)
    y = 127 - ((addr & 0xFE) >> 1)
    pol = 1 - (addr & 1)
    return t, x.astype(np.int64), y.astype(np.int64), pol.astype(np.int64)


def frames_per_frame(x, y, pol, T):
    n = len(x)
    di = n // T
    out = np.zeros((T, 2, H, W), dtype=np.float32)
    pos = pol * H * W + y * W + x
    for i in range(T):
        lo, hi = i * di, (n if i == T - 1 else (i + 1) * di)
        out[i] = np.bincount(pos[lo:hi], minlength=2 * H * W).reshape(2, H, W)
    return out


def frames_single(x, y, pol, T):
    n = len(x)
    di = n // T
    frame = np.minimum(np.arange(n) // max(di, 1), T - 1) if di else np.full(n, T - 1)
    pos = frame * (2 * H * W) + pol * (H * W) + y * W + x
    return np.bincount(pos, minlength=T * 2 * H * W).astype(np.float32).reshape(T, 2, H, W)


def run(files, T, integrate):
    total = 0
    checksum = 0.0
    for f in files:
        t, x, y, pol = read_aedat2(f)
        fr = integrate(x, y, pol, T)
        checksum += float(fr.reshape(-1)[fr.size // 2])
        total += len(t)
    return total, checksum


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('files', nargs='+')
    ap.add_argument('--frames', type=int, default=10)
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--dump', help="write the first file's frames to this .npy")
    a = ap.parse_args()
    variants = {'per-frame': frames_per_frame, 'single': frames_single}
    # Both variants must produce the same frames before either is timed.
    t, x, y, pol = read_aedat2(a.files[0])
    first = frames_per_frame(x, y, pol, a.frames)
    assert np.array_equal(first, frames_single(x, y, pol, a.frames))
    if a.dump:
        np.save(a.dump, first)
    best = {}
    best_cpu = {}
    for _ in range(a.repeats):
        for name, fn in variants.items():
            c0 = time.process_time()
            t0 = time.perf_counter()
            total, _ = run(a.files, a.frames, fn)
            dt = time.perf_counter() - t0
            cpu = time.process_time() - c0
            best[name] = min(best.get(name, dt), dt)
            best_cpu[name] = min(best_cpu.get(name, cpu), cpu)
    winner = min(best, key=best.get)
    print(json.dumps({'benchmark': 'events-to-frames', 'impl': 'numpy', 'numpy': np.__version__,
                      'variant': winner, 'variants_seconds_best': {k: round(v, 4) for k, v in best.items()},
                      'files': len(a.files), 'events': total, 'frames': a.frames,
                      'seconds_best': round(best[winner], 4), 'cpu_seconds_best': round(best_cpu[winner], 4),
                      'events_per_cpu_s': round(total / best_cpu[winner]), 'events_per_s': round(total / best[winner])}))


if __name__ == '__main__':
    main()
