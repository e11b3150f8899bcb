import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkpointTensors,
  expectSameTensors,
  manifestOf,
  cli as run,
  summaryOf,
  timeless,
  trainAndSignal,
} from './test-run-helpers.js';

const cli = (args: string[], cwd?: string) => run(args, { cwd });
const tmp = () => mkdtempSync(join(tmpdir(), 'synaptogen-learners-'));

const small = ['--train-limit', '640', '--test-limit', '200', '--quiet'];

/** A checkpoint's float32 tensors by name (without the `model/`, `learner/` prefixes kept apart). */
function floats(dir: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, bytes] of checkpointTensors(dir))
    out.set(
      name,
      new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
    );
  return out;
}

/** For each prunable weight: its mask's kept count, and whether every masked weight is exactly 0. */
function maskedWeights(dir: string, layers: string[]) {
  const t = floats(dir);
  return layers.map((layer) => {
    const w = t.get(`model/${layer}`) as Float32Array;
    const mask = t.get(`learner/mask/${layer}`) as Float32Array;
    let kept = 0;
    let nonzero = 0;
    let maskedNonzero = 0;
    for (let i = 0; i < w.length; i++) {
      if (mask[i] === 1) kept++;
      else if (mask[i] !== 0) throw new Error(`${layer}: mask entry ${mask[i]} is not 0 or 1`);
      if (w[i] !== 0) nonzero++;
      if (mask[i] === 0 && w[i] !== 0) maskedNonzero++;
    }
    return { layer, total: w.length, kept, nonzero, maskedNonzero };
  });
}

describe('synaptogen train with structure learners', () => {
  it('rejects bad learner input with one clear line', () => {
    const dir = tmp();
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{"learner": "gradr",');
    const unknownKey = join(dir, 'unknown.json');
    writeFileSync(unknownKey, JSON.stringify({ learner: 'gradr', alfa: 0.1 }));
    const badValue = join(dir, 'value.json');
    writeFileSync(badValue, JSON.stringify({ alpha: -1 }));
    const cases: Array<[string[], RegExp]> = [
      [['--learner', 'gradient-rewiring'], /unknown learner "gradient-rewiring"; expected one of: .*gradr/],
      [
        ['--learner', 'gradr', '--target-sparsity', '0.3'],
        /gradr: option "targetSparsity" must be in \[0\.5, 1\)/,
      ],
      [
        ['--learner', 'gradr', '--target-sparsity', '1.5'],
        /--target-sparsity expects a number in \[0, 1\), got "1\.5"/,
      ],
      [['--learner', 'magnitude', '--alpha', '0.1'], /magnitude: unknown option "alpha"/],
      [
        ['--learner', 'gradr', '--learner-option', 'nokey'],
        /--learner-option expects key=value, got "nokey"/,
      ],
      [
        ['--learner', './no/such/learner.js'],
        /learner plugin .*no\/such\/learner\.js: file .* does not exist/,
      ],
      [['--config', badJson], /--config .*bad\.json: not valid JSON/],
      [['--config', unknownKey], /--config .*unknown\.json: unknown key "alfa"; expected flag names such as/],
      [['--config', badValue], /--config .*value\.json: --alpha expects a positive number, got "-1"/],
      [['--config', join(dir, 'missing.json')], /--config .*missing\.json: cannot read the file \(ENOENT\)/],
    ];
    for (const [args, message] of cases) {
      const r = cli(['train', ...args, '--out', join(dir, 'never')]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it('Grad R: epoch lines and summary carry connectivity and pruned/regrown; --resume continues exactly', () => {
    const dir = tmp();
    const gradr = ['--learner', 'gradr', '--alpha', '0.2', '--target-sparsity', '0.95', ...small];
    const straight = cli(['train', ...gradr, '--epochs', '2', '--json', '--out', join(dir, 'straight')]);
    expect(straight.code, straight.stderr).toBe(0);
    const s = summaryOf(straight.stdout);
    expect(s).toMatchObject({
      learner: 'gradr',
      learnerOptions: { alpha: 0.2, targetSparsity: 0.95 },
      epochs: 2,
    });
    expect(s.connectivity).toBeLessThan(1);
    expect(Object.keys(s.connectivityPerLayer)).toEqual(['body.1.weight', 'body.3.weight']);
    expect(s.pruned).toBeGreaterThan(0);
    expect(s.pruned).toBe(s.history[0].pruned + s.history[1].pruned);
    // the learner's report (θ > 0) and the weights measured by the CLI agree
    expect(s.history[1].connectivity).toBeCloseTo(s.connectivity, 12);
    const manifest = JSON.parse(readFileSync(join(dir, 'straight', 'manifest.json'), 'utf8'));
    const names = manifest.tensors.map((t: { name: string }) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['learner/theta/body.1.weight', 'learner/sign/body.1.weight']),
    );
    expect(names.some((n: string) => n.startsWith('learner/adam/'))).toBe(true);
    expect(manifest.meta.learner).toMatchObject({ name: 'gradr', state: { t: 10 } });

    const first = cli([
      'train',
      ...gradr.filter((a) => a !== '--quiet'),
      '--epochs',
      '1',
      '--out',
      join(dir, 'resumed'),
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /epoch 1\/1 .*connectivity 0\.\d{4} \(body\.1\.weight 0\.\d{4}, body\.3\.weight 0\.\d{4}\)\s+pruned \d+ regrown \d+/,
    );
    const second = cli(['train', '--resume', join(dir, 'resumed'), '--epochs', '2', '--json', '--quiet']);
    expect(second.code, second.stderr).toBe(0);
    const r = summaryOf(second.stdout);
    expect(timeless(r.history)).toEqual(timeless(s.history));
    expect(r.connectivity).toBe(s.connectivity);
    expectSameTensors(join(dir, 'straight'), join(dir, 'resumed'));
  });

  it('loads a third-party learner from a file (apps/examples/learner-plugin) with --config and --learner-option', () => {
    const dir = tmp();
    const config = join(dir, 'run.json');
    writeFileSync(
      config,
      JSON.stringify({
        learner: './apps/examples/learner-plugin/index.js',
        'train-limit': 256,
        testLimit: 100,
        epochs: 1,
      }),
    );
    const r = cli([
      'train',
      '--config',
      config,
      '--target-sparsity',
      '0.75',
      '--learner-option',
      'seed=3',
      '--json',
      '--out',
      join(dir, 'plugin'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = summaryOf(r.stdout);
    expect(s).toMatchObject({ learner: 'random-pruning', learnerOptions: { targetSparsity: 0.75, seed: 3 } });
    expect(s.history[0].trainSamples).toBe(256); // from the config file
    expect(s.connectivity).toBeGreaterThan(0.23);
    expect(s.connectivity).toBeLessThan(0.27);
    expect(s.pruned).toBe(Math.round((1 - s.connectivity) * (784 * 800 + 800 * 10)));
    expect(s.learnerReport).toEqual({ maskedLayers: 2 }); // an extra report field, passed through
    expect(r.stderr).toMatch(/epoch 1\/1 .*pruned \d+ regrown 0\s+maskedLayers 2/);
    // the checkpoint names the plugin by absolute path: --resume works from another directory
    const resumed = cli(
      ['train', '--resume', join(dir, 'plugin'), '--epochs', '2', '--json', '--quiet'],
      dir,
    );
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(summaryOf(resumed.stdout).connectivity).toBe(s.connectivity);
    expect(Number.isFinite(s.testAccuracy)).toBe(true);
    // the checkpoint's masks hold the reported connectivity and really zero the pruned weights
    for (const m of maskedWeights(join(dir, 'plugin'), ['body.1.weight', 'body.3.weight'])) {
      expect(m.kept / m.total, m.layer).toBeCloseTo(s.connectivityPerLayer[m.layer], 12);
      expect(m.maskedNonzero, m.layer).toBe(0);
      expect(m.nonzero, m.layer).toBe(m.kept);
    }
  });

  it('the firing-rate pruner example (apps/examples/firing-rate-pruner) reaches its target per layer, pruning silent inputs first, and resumes exactly', () => {
    const dir = tmp();
    const plugin = './apps/examples/firing-rate-pruner/index.js';
    // 800 samples in batches of 16: 50 steps, pruned every 10 on the cubic schedule, done at step 50
    const args = ['--learner', plugin, '--target-sparsity', '0.8', '--learner-option', 'endStep=50'];
    const data = ['--train-limit', '800', '--batch-size', '16', '--test-limit', '200', '--json', '--quiet'];
    const one = cli(['train', ...args, ...data, '--epochs', '1', '--out', join(dir, 'one')]);
    expect(one.code, one.stderr).toBe(0);
    const s = summaryOf(one.stdout);
    expect(s).toMatchObject({
      learner: 'firing-rate',
      learnerOptions: { targetSparsity: 0.8, scope: 'per-layer', endStep: 50 },
      regrown: 0,
    });
    const layers = ['body.1.weight', 'body.3.weight'];
    expect(Object.keys(s.connectivityPerLayer)).toEqual(layers);
    // per-layer scope: every layer at 1 − 0.8 (floor(0.8·n) pruned; 0.8·n is whole for both layers)
    for (const layer of layers) expect(s.connectivityPerLayer[layer], layer).toBeCloseTo(0.2, 6);
    expect(s.pruned).toBe(0.8 * (784 * 800 + 800 * 10));
    // it trains while pruning: above chance (0.1) on the test samples
    expect(s.testAccuracy).toBeGreaterThan(0.2);
    for (const m of maskedWeights(join(dir, 'one'), layers)) {
      expect(m.kept, m.layer).toBe(0.2 * m.total);
      expect(m.maskedNonzero, m.layer).toBe(0);
      expect(m.nonzero, m.layer).toBe(m.kept);
    }
    // the rates of body.3's presynaptic neurons (body.2) are checkpointed: T = 8 records per step
    const t = floats(join(dir, 'one'));
    const T = manifestOf(join(dir, 'one')).model.T;
    const steps = (t.get('learner/companion/rate-steps/body.3.weight') as Float32Array)[0];
    expect(steps).toBe(50 * T);
    const rates = Array.from(
      t.get('learner/companion/rate-sum/body.3.weight') as Float32Array,
      (x) => x / steps,
    );
    expect(rates).toHaveLength(800);
    expect(rates.every((r) => r >= 0 && r <= 1)).toBe(true);
    // body.1 reads pixels, not spikes: no rate, plain |w|
    expect(t.has('learner/companion/rate-sum/body.1.weight')).toBe(false);
    // the rates drive the choice: the synapses of the most active quarter of body.2 survive far more
    // often than those of the least active quarter
    const mask = t.get('learner/mask/body.3.weight') as Float32Array;
    const keptOf = (row: number) => mask.subarray(row * 10, row * 10 + 10).reduce((a, b) => a + b, 0);
    const byRate = rates.map((r, row) => ({ r, kept: keptOf(row) })).sort((a, b) => a.r - b.r);
    const meanKept = (rows: { kept: number }[]) => rows.reduce((a, x) => a + x.kept, 0) / rows.length;
    const quiet = meanKept(byRate.slice(0, 200));
    const busy = meanKept(byRate.slice(600));
    expect(busy).toBeGreaterThan(2 * quiet + 0.5);

    // --resume continues the schedule and the rates exactly where the checkpoint left them
    const resumed = cli(['train', '--resume', join(dir, 'one'), '--epochs', '2', '--json', '--quiet']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const straight = cli(['train', ...args, ...data, '--epochs', '2', '--out', join(dir, 'straight')]);
    expect(straight.code, straight.stderr).toBe(0);
    expect(timeless(summaryOf(resumed.stdout).history)).toEqual(timeless(summaryOf(straight.stdout).history));
    expectSameTensors(join(dir, 'straight'), join(dir, 'one'));
  });

  it('Ctrl-C mid-epoch saves a loadable checkpoint, exits cleanly, and --resume finishes the epoch exactly', async () => {
    const dir = tmp();
    // enough batches that the signal lands mid-epoch on the fast engine (~1,000 samples/s at batch 8)
    const SAMPLES = 4000;
    const BATCHES = SAMPLES / 8;
    const args = [
      '--learner',
      'gradr',
      '--alpha',
      '0.2',
      '--batch-size',
      '8',
      '--train-limit',
      String(SAMPLES),
      '--test-limit',
      '100',
    ];
    // press Ctrl-C once, when the progress lines show that 10 steps have run
    const { code, stdout, stderr } = await trainAndSignal(
      [...args, '--log-every', '5', '--out', join(dir, 'cut')],
      'SIGINT',
      /epoch 1 batch 10\/500/,
    );
    expect(code, stderr + stdout).toBe(130);
    const m =
      /interrupted in epoch 1 after (\d+) of 500 batches; checkpoint saved to .*cut; continue with: synaptogen train --resume/.exec(
        stderr,
      );
    expect(m, stderr).not.toBeNull();
    expect(stderr.trim().split('\n')).toHaveLength(1);
    const manifest = JSON.parse(readFileSync(join(dir, 'cut', 'manifest.json'), 'utf8'));
    expect(manifest.meta.run.interrupted).toMatchObject({
      epoch: 0,
      batches: Number(m![1]),
      samples: 8 * Number(m![1]),
    });
    expect(Number(m![1])).toBeGreaterThanOrEqual(10);
    expect(Number(m![1])).toBeLessThan(BATCHES);
    expect(manifest.meta.run.completedEpochs).toBe(0);

    const resumed = cli(['train', '--resume', join(dir, 'cut'), '--epochs', '1', '--json', '--quiet']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const r = summaryOf(resumed.stdout);
    expect(r.history).toHaveLength(1);
    // The resumed epoch's metrics cover the whole epoch: the checkpoint stores the interrupted
    // epoch's running sums. (This asserted SAMPLES - 8 * batches before issue 16 changed it.)
    expect(r.history[0].trainSamples).toBe(SAMPLES);
    // the same epoch without the interruption ends with the same weights, θ and Adam moments, and metrics
    const straight = cli(['train', ...args, '--quiet', '--json', '--out', join(dir, 'straight')]);
    expect(straight.code, straight.stderr).toBe(0);
    expectSameTensors(join(dir, 'straight'), join(dir, 'cut'));
    expect(timeless(r.history)).toEqual(timeless(summaryOf(straight.stdout).history));
  });
});
