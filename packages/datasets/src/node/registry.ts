import { CIFAR10_CLASS_NAMES } from '../cifar.js';

/** How to check a downloaded file: a hash of the file itself, or of its gunzipped content. */
export interface Checksum {
  algorithm: 'md5' | 'sha1' | 'sha256';
  value: string;
  /**
   * 'file' (default) hashes the bytes as downloaded. 'gunzip' hashes the decompressed content, for
   * files that mirrors re-compress (the content is what the official checksum pins down).
   */
  of?: 'file' | 'gunzip';
}

export interface RemoteFile {
  /** File name under the dataset folder. */
  name: string;
  url: string;
  checksum: Checksum;
  /** Size in bytes, when published (shown by `datasets info`). */
  size?: number;
}

export interface DatasetInfo {
  name: string;
  title: string;
  /** Folder under the data root. */
  folder: string;
  homepage: string;
  license: string;
  kind: 'image' | 'events';
  /** One sample: `[C, H, W]` for images, `[2, H, W]` per frame for event datasets. */
  sampleShape: number[];
  classes: number;
  train: number;
  test: number;
  files: RemoteFile[];
  notes?: string;
}

// MNIST: the content hashes are of the official decompressed IDX files (mirrors re-compress them).
const MNIST_BASE = 'https://ossci-datasets.s3.amazonaws.com/mnist/';
const FASHION_BASE = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';
const NMNIST_BASE = 'https://data.mendeley.com/public-files/datasets/468j46mzdv/files/';

const CIFAR10_DVS_ZIPS: [string, string, string][] = [
  ['airplane', '7712788', '0afd5c4bf9ae06af762a77b180354fdd'],
  ['automobile', '7712791', '8438dfeba3bc970c94962d995b1b9bdd'],
  ['bird', '7712794', 'a9c207c91c55b9dc2002dc21c684d785'],
  ['cat', '7712812', '52c63c677c2b15fa5146a8daf4d56687'],
  ['deer', '7712815', 'b6bf21f6c04d21ba4e23fc3e36c8a4a3'],
  ['dog', '7712818', 'f379ebdf6703d16e0a690782e62639c3'],
  ['frog', '7712842', 'cad6ed91214b1c7388a5f6ee56d08803'],
  ['horse', '7712851', 'e7cbbf77bec584ffbf913f00e682782a'],
  ['ship', '7712836', '41c7bd7d6b251be82557c6cce9a7d5c9'],
  ['truck', '7712839', '89f3922fd147d9aeff89e76a2b0b70a7'],
];

/** Every dataset this package can read and download, with official sources and checksums. */
export const DATASETS: Record<string, DatasetInfo> = {
  mnist: {
    name: 'mnist',
    title: 'MNIST handwritten digits',
    folder: 'mnist',
    homepage: 'http://yann.lecun.com/exdb/mnist/',
    license: 'CC BY-SA 3.0 (Y. LeCun, C. Cortes)',
    kind: 'image',
    sampleShape: [1, 28, 28],
    classes: 10,
    train: 60000,
    test: 10000,
    files: [
      ['train-images-idx3-ubyte.gz', 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db'],
      ['train-labels-idx1-ubyte.gz', '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5'],
      ['t10k-images-idx3-ubyte.gz', '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7'],
      ['t10k-labels-idx1-ubyte.gz', 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2'],
    ].map(([name, sha]) => ({
      name,
      url: MNIST_BASE + name,
      checksum: { algorithm: 'sha256', value: sha, of: 'gunzip' },
    })),
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST (Zalando)',
    folder: 'fashion-mnist',
    homepage: 'https://github.com/zalandoresearch/fashion-mnist',
    license: 'MIT (Zalando SE)',
    kind: 'image',
    sampleShape: [1, 28, 28],
    classes: 10,
    train: 60000,
    test: 10000,
    files: [
      ['train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'],
      ['train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'],
      ['t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'],
      ['t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310'],
    ].map(([name, md5]) => ({ name, url: FASHION_BASE + name, checksum: { algorithm: 'md5', value: md5 } })),
  },
  cifar10: {
    name: 'cifar10',
    title: 'CIFAR-10 (binary version)',
    folder: 'cifar10',
    homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
    license: 'see homepage (A. Krizhevsky, 2009)',
    kind: 'image',
    sampleShape: [3, 32, 32],
    classes: 10,
    train: 50000,
    test: 10000,
    files: [
      {
        name: 'cifar-10-binary.tar.gz',
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        checksum: { algorithm: 'md5', value: 'c32a1d4ab5d03f1284b67883e8d87530' },
        size: 170052171,
      },
    ],
    notes: 'Read from the .tar.gz directly or from an extracted cifar-10-batches-bin/ folder.',
  },
  cifar100: {
    name: 'cifar100',
    title: 'CIFAR-100 (binary version)',
    folder: 'cifar100',
    homepage: 'https://www.cs.toronto.edu/~kriz/cifar.html',
    license: 'see homepage (A. Krizhevsky, 2009)',
    kind: 'image',
    sampleShape: [3, 32, 32],
    classes: 100,
    train: 50000,
    test: 10000,
    files: [
      {
        name: 'cifar-100-binary.tar.gz',
        url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
        checksum: { algorithm: 'md5', value: '03b5dce01913d631647c71ecec9e9cb8' },
      },
    ],
    notes: 'Fine labels are the class; coarse labels are kept as coarseLabels.',
  },
  'cifar10-dvs': {
    name: 'cifar10-dvs',
    title: 'CIFAR10-DVS (DVS128 recordings of CIFAR-10 images, AEDAT 2.0)',
    folder: 'cifar10-dvs',
    homepage: 'https://figshare.com/articles/dataset/CIFAR10-DVS_New/4724671',
    license: 'CC BY 4.0 (Li et al., 2017)',
    kind: 'events',
    sampleShape: [2, 128, 128],
    classes: 10,
    train: 9000,
    test: 1000,
    files: CIFAR10_DVS_ZIPS.map(([cls, id, md5]) => ({
      name: `${cls}.zip`,
      url: `https://ndownloader.figshare.com/files/${id}`,
      checksum: { algorithm: 'md5', value: md5 },
    })),
    notes: `Classes ${CIFAR10_CLASS_NAMES.join(', ')}; no official split: '90-10' per class or 'first-100-test' (TEBN).`,
  },
  nmnist: {
    name: 'nmnist',
    title: 'N-MNIST (ATIS saccades over MNIST, 40-bit events)',
    folder: 'nmnist',
    homepage: 'https://www.garrickorchard.com/datasets/n-mnist',
    license: 'CC BY-SA 4.0 (G. Orchard et al., 2015)',
    kind: 'events',
    sampleShape: [2, 34, 34],
    classes: 10,
    train: 60000,
    test: 10000,
    files: [
      {
        name: 'Train.zip',
        url: `${NMNIST_BASE}39c25547-014b-4137-a934-9d29fa53c7a0/file_downloaded`,
        checksum: { algorithm: 'md5', value: '20959b8e626244a1b502305a9e6e2031' },
      },
      {
        name: 'Test.zip',
        url: `${NMNIST_BASE}05a4d654-7e03-4c15-bdfa-9bb2bcbea494/file_downloaded`,
        checksum: { algorithm: 'md5', value: '69ca8762b2fe404d9b9bad1103e97832' },
      },
    ],
  },
};

export function datasetInfo(name: string): DatasetInfo | undefined {
  return Object.hasOwn(DATASETS, name) ? DATASETS[name] : undefined;
}
