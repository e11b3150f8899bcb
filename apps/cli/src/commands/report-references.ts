/**
 * Reference marks for the sweep report's accuracy–connectivity plot: published points from the
 * papers (as quoted in shared/specs) and the PyTorch reference runs made on this project's machine
 * (shared/peer/RESULTS.md, raw logs in shared/peer/logs). `report-references.test.ts` checks every
 * figure here against those files. They are marks to compare with, measured under their own setup
 * (model, epochs, data), which each family's label states.
 */
export interface ReferencePoint {
  /** Legend entry: who measured it, under which setup. */
  family: string;
  method: string;
  dataset: string;
  label: string;
  /** Absolute test accuracy; or, for a claim relative to the dense network, `accuracyDelta`. */
  testAccuracy?: number;
  accuracyDelta?: number;
  connectivity: number;
  /** Where the figure comes from. */
  source: string;
}

const PEER = 'PyTorch reference runs (gradr-mnist-mlp, T=8, 60k samples, 3 epochs)';
const PEER_SOURCE = 'shared/peer/logs/sweep_onednn_alpha';
/** α → [test accuracy, connectivity] after 3 epochs (`"result": "final"` lines of the logs). */
const PEER_GRADR: [string, number, number][] = [
  ['1e-9', 0.9716, 0.66418],
  ['1e-3', 0.9712, 0.65148],
  ['5e-3', 0.9715, 0.60057],
  ['1e-2', 0.9709, 0.53682],
  ['2e-2', 0.97, 0.41484],
  ['5e-2', 0.9652, 0.21366],
  ['1e-1', 0.9578, 0.08853],
  ['2e-1', 0.9375, 0.03653],
  ['4e-1', 0.8987, 0.0162],
];

const SCA = 'SCA paper (Li et al., ICML 2024; VGG-16, T=4, 300 epochs)';
const GRADR = 'Grad R paper (Chen et al., IJCAI 2021)';

export const REFERENCES: ReferencePoint[] = [
  ...PEER_GRADR.map(([alpha, testAccuracy, connectivity]) => ({
    family: PEER,
    method: 'gradr',
    dataset: 'mnist',
    label: `Grad R α=${alpha}`,
    testAccuracy,
    connectivity,
    source: `${PEER_SOURCE}${alpha}.log`,
  })),
  {
    family: PEER,
    method: 'dense',
    dataset: 'mnist',
    label: 'dense Adam (2 epochs)',
    testAccuracy: 0.9695,
    connectivity: 1,
    source: 'shared/peer/logs/train_dense_onednn.log',
  },
  {
    family: SCA,
    method: 'dense',
    dataset: 'cifar10',
    label: 'dense',
    testAccuracy: 0.9114,
    connectivity: 1,
    source: 'shared/specs/sca.md',
  },
  {
    family: SCA,
    method: 'sca',
    dataset: 'cifar10',
    label: 'SCA',
    testAccuracy: 0.9167,
    connectivity: 0.2839,
    source: 'shared/specs/sca.md',
  },
  {
    family: SCA,
    method: 'sca',
    dataset: 'cifar10',
    label: 'SCA',
    testAccuracy: 0.9026,
    connectivity: 0.0931,
    source: 'shared/specs/sca.md',
  },
  {
    family: GRADR,
    method: 'gradr',
    dataset: 'cifar10',
    label: 'Grad R, ~3.5% below dense',
    accuracyDelta: -0.035,
    connectivity: 0.0073,
    source: 'shared/specs/gradr.md',
  },
];

/** The references measured on the sweep's datasets. */
export const referencesFor = (datasets: string[]) => REFERENCES.filter((r) => datasets.includes(r.dataset));
