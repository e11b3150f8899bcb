"""NumPy counterpart of synaptogen's CIFAR-10 batching: seeded shuffle, random crop with 4-pixel zero
padding, horizontal flip, mean/std normalisation to float32 [B, 3, 32, 32]. Prints batches/s as JSON.

  /usr/bin/python3 cifar_numpy.py data_batch_1.bin --batch-size 128 --epochs 3
"""
import argparse, json, time
import numpy as np

MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32)
STD = np.array([0.2023, 0.1994, 0.2010], dtype=np.float32)


def load(path):
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int32)


def augment(batch, rng, pad=4):
    b = len(batch)
    padded = np.pad(batch, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dy = rng.integers(0, 2 * pad + 1, b)
    dx = rng.integers(0, 2 * pad + 1, b)
    flip = rng.random(b) < 0.5
    ar = np.arange(32)
    ys = dy[:, None] + ar[None, :]
    xs = dx[:, None] + ar[None, :]
    xs = np.where(flip[:, None], xs[:, ::-1], xs)
    out = padded[np.arange(b)[:, None, None, None], np.arange(3)[None, :, None, None], ys[:, None, :, None], xs[:, None, None, :]]
    # one fused pass: x * (1/255/std) - mean/std, like a lookup-free normalisation
    scale = (1.0 / 255.0 / STD)[None, :, None, None]
    shift = (MEAN / STD)[None, :, None, None]
    return out.astype(np.float32) * scale - shift


def epoch(images, labels, batch_size, rng):
    order = rng.permutation(len(images))
    n = 0
    for i in range(0, len(images), batch_size):
        idx = order[i:i + batch_size]
        x = augment(images[idx], rng)
        y = labels[idx]
        n += 1
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('file')
    ap.add_argument('--batch-size', type=int, default=128)
    ap.add_argument('--epochs', type=int, default=3)
    a = ap.parse_args()
    images, labels = load(a.file)
    rng = np.random.default_rng(0)
    best = None
    for _ in range(a.epochs):
        t0 = time.perf_counter()
        n = epoch(images, labels, a.batch_size, rng)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    print(json.dumps({'benchmark': 'cifar10-batches', 'impl': 'numpy', 'numpy': np.__version__, 'samples': len(images),
                      'batch_size': a.batch_size, 'batches': n, 'seconds_best': round(best, 4),
                      'batches_per_s': round(n / best, 1)}))


if __name__ == '__main__':
    main()
