import './style.css';
import { type DemoDatasetName, PICK_HINTS } from './data/dataset.js';
import { EXPORT_FORMATS } from './export.js';
import { drawMasks } from './maskView.js';
import { describeMode, threadsOf } from './mode.js';
import { LivePlot } from './plots.js';
import type { DataSource, EvalPoint, FromWorker, LearnerInfo, ToWorker, TrainConfig } from './protocol.js';
import { drawRaster, drawRasterLabels, drawRasterLegend } from './rasterView.js';

/** Knobs shown per learner (empty = the learner's default); anything else goes in the JSON field. */
const LEARNER_KNOBS: Record<string, { key: string; label: string; placeholder: string }[]> = {
  gradr: [
    { key: 'alpha', label: 'prior rate α', placeholder: '0.001' },
    { key: 'targetSparsity', label: 'target sparsity p', placeholder: '0.95' },
  ],
  deepr: [
    { key: 'targetSparsity', label: 'target sparsity', placeholder: '0.95' },
    { key: 'alpha', label: 'L1 rate α', placeholder: '0.0001' },
    { key: 'temperature', label: 'temperature', placeholder: '1e-6' },
  ],
  'soft-deepr': [
    { key: 'alpha', label: 'L1 rate α', placeholder: '0.0001' },
    { key: 'temperature', label: 'temperature', placeholder: '1e-6' },
    { key: 'thetaMin', label: 'θ min', placeholder: '-0.001' },
  ],
  magnitude: [
    { key: 'targetSparsity', label: 'target sparsity', placeholder: '0.95' },
    { key: 'frequency', label: 'prune every (steps)', placeholder: '100' },
  ],
};

const $ = <T extends HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo page: element #${id} is missing`);
  return el as T;
};

const status = $<HTMLOutputElement>('status');
const startButton = $<HTMLButtonElement>('start');
const pauseButton = $<HTMLButtonElement>('pause');
const stopButton = $<HTMLButtonElement>('stop');
const downloadButton = $<HTMLButtonElement>('download');
const learnerSelect = $<HTMLSelectElement>('learner');
const modelSelect = $<HTMLSelectElement>('model');
const datasetSelect = $<HTMLSelectElement>('dataset');
const exportSelect = $<HTMLSelectElement>('export-format');
exportSelect.replaceChildren(...EXPORT_FORMATS.map((f) => new Option(f.label, f.id)));

const plots = {
  accuracy: new LivePlot($('plot-accuracy'), { yLabel: 'accuracy', yRange: [0, 1], percent: true }),
  loss: new LivePlot($('plot-loss'), { yLabel: 'loss' }),
  connectivity: new LivePlot($('plot-connectivity'), {
    yLabel: 'connectivity',
    yRange: [0, 1],
    percent: true,
  }),
  sparsity: new LivePlot($('plot-sparsity'), { yLabel: 'sparsity', yRange: [0, 1], percent: true }),
};

/** Run state the page exposes for scripts and the end-to-end test. */
const state = {
  ready: false,
  running: false,
  paused: false,
  backend: '',
  kernels: '',
  /** Threads the training runs on, whether the page is cross-origin isolated, and the line shown for them. */
  threads: 0,
  isolated: false,
  mode: '',
  step: 0,
  /** Train loss of every step of the current run, and its samples and training seconds so far (for samples/s). */
  losses: [] as number[],
  trainedSamples: 0,
  trainSeconds: 0,
  evals: [] as EvalPoint[],
  rasterSpikes: 0,
  /** Test samples of the last raster the model got right (of 16). */
  rasterCorrect: 0,
  dataset: '',
  classNames: [] as string[],
  /** Heat-maps drawn so far, and the last one's layers (name, connectivity, pruned and regrown since the previous). */
  maskUpdates: 0,
  masks: [] as { name: string; connectivity: number; pruned: number; regrown: number }[],
  error: '',
};
(window as unknown as { __demo: typeof state }).__demo = state;

function setStatus(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
  if (error) state.error = text;
}

function setRunning(running: boolean): void {
  state.running = running;
  state.paused = false;
  startButton.disabled = running || !state.ready;
  pauseButton.disabled = !running;
  pauseButton.textContent = 'Pause';
  stopButton.disabled = !running;
}

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const post = (m: ToWorker) => worker.postMessage(m);

function renderKnobs(learners: LearnerInfo[]): void {
  const info = learners.find((l) => l.name === learnerSelect.value);
  $('learner-description').textContent = info?.description ?? '';
  const box = $('learner-knobs');
  box.replaceChildren(
    ...(LEARNER_KNOBS[learnerSelect.value] ?? []).map((k) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = 'number';
      input.step = 'any';
      input.placeholder = k.placeholder;
      input.dataset.key = k.key;
      input.id = `knob-${k.key}`;
      label.append(k.label, input);
      return label;
    }),
  );
}

function readConfig(): TrainConfig {
  const num = (id: string) => {
    const input = $<HTMLInputElement>(id);
    const v = Number(input.value);
    if (input.value.trim() === '' || !Number.isFinite(v))
      throw new Error(`${id}: "${input.value}" is not a number`);
    return v;
  };
  let learnerOptions: Record<string, unknown>;
  const json = $<HTMLInputElement>('learner-json').value.trim() || '{}';
  try {
    learnerOptions = JSON.parse(json);
  } catch (e) {
    throw new Error(`extra learner options: not valid JSON (${(e as Error).message})`);
  }
  if (!learnerOptions || typeof learnerOptions !== 'object' || Array.isArray(learnerOptions))
    throw new Error('extra learner options: expected a JSON object such as {"alpha": 0.01}');
  for (const input of $('learner-knobs').querySelectorAll<HTMLInputElement>('input[data-key]')) {
    if (input.value.trim() === '') continue;
    const v = Number(input.value);
    if (!Number.isFinite(v)) throw new Error(`${input.dataset.key}: "${input.value}" is not a number`);
    learnerOptions[input.dataset.key!] = v;
  }
  return {
    model: modelSelect.value,
    // the zoo's conv nets take a channel width multiplier; the MLP has none
    width: modelSelect.value === 'gradr-mnist-mlp' ? undefined : num('width'),
    learner: learnerSelect.value,
    learnerOptions,
    epochs: num('epochs'),
    batchSize: num('batchSize'),
    lr: num('lr'),
    timesteps: num('timesteps'),
    trainSamples: num('trainSamples'),
    testSamples: num('testSamples'),
    evalEvery: num('evalEvery'),
    seed: num('seed'),
  };
}

function readSource(): DataSource {
  const dataset = datasetSelect.value as DemoDatasetName;
  const kind = (document.querySelector('input[name="source"]:checked') as HTMLInputElement).value;
  if (kind === 'url') {
    if (dataset !== 'mnist') throw new Error(`the dev server serves MNIST only: pick the ${dataset} files`);
    return { kind: 'url', dataset, base: new URL('data/mnist/', document.baseURI).href };
  }
  const files = [
    ...($<HTMLInputElement>('files').files ?? []),
    ...($<HTMLInputElement>('folder').files ?? []),
  ];
  if (!files.length) throw new Error(`pick the ${dataset} files first: ${PICK_HINTS[dataset]}`);
  return { kind: 'files', dataset, files };
}

function showPickHint(): void {
  const dataset = datasetSelect.value as DemoDatasetName;
  $('pick-hint').textContent = `pick ${PICK_HINTS[dataset]}`;
  if (dataset !== 'mnist')
    (document.querySelector('input[name="source"][value="files"]') as HTMLInputElement).checked = true;
}

let learners: LearnerInfo[] = [];
let stepsPerEpoch = 1;
let lastStepDraw = 0;

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'ready': {
      learners = m.learners;
      state.backend = m.backend;
      state.kernels = m.kernels;
      state.threads = threadsOf(m.mode);
      state.isolated = m.mode.isolated;
      state.mode = describeMode(m.mode);
      $('mode').textContent = state.mode;
      $('mode').classList.toggle('single', state.threads === 1);
      modelSelect.replaceChildren(...m.models.map((name) => new Option(name, name)));
      learnerSelect.replaceChildren(...learners.map((l) => new Option(l.name, l.name)));
      learnerSelect.value = learners.some((l) => l.name === 'gradr') ? 'gradr' : learners[0].name;
      renderKnobs(learners);
      state.ready = true;
      setRunning(false);
      // a bad ?threads= stays on screen
      if (!state.error)
        setStatus(
          `ready · tfjs backend ${m.backend}, kernels ${m.kernels} · learners: ${learners.map((l) => l.name).join(', ')}`,
        );
      return;
    }
    case 'status':
      setStatus(m.text);
      return;
    case 'started':
      stepsPerEpoch = m.stepsPerEpoch;
      state.dataset = m.dataset;
      state.classNames = m.classNames;
      setStatus(
        `training on ${m.trainSamples} ${m.dataset} samples (${m.stepsPerEpoch} steps per epoch), testing on ${m.testSamples}`,
      );
      return;
    case 'step': {
      state.step = m.step;
      state.losses.push(m.loss);
      state.trainedSamples += m.samples;
      state.trainSeconds += m.seconds;
      plots.loss.add(m.step, { 'train loss': m.loss });
      const now = performance.now();
      if (now - lastStepDraw > 250) {
        lastStepDraw = now;
        const epoch = Math.ceil(m.epochs);
        const done = Math.round((100 * (m.step - (epoch - 1) * stepsPerEpoch)) / stepsPerEpoch);
        setStatus(
          `step ${m.step} (epoch ${epoch}, ${done}% done) · loss ${m.loss.toFixed(4)} · ` +
            `${m.samplesPerSecond.toFixed(0)} samples/s`,
        );
      }
      return;
    }
    case 'eval': {
      state.evals.push(m);
      plots.accuracy.add(m.step, { 'test accuracy': m.accuracy });
      plots.loss.add(m.step, { 'test loss': m.loss });
      plots.connectivity.add(m.step, { connectivity: m.connectivity });
      plots.sparsity.add(
        m.step,
        Object.fromEntries(Object.entries(m.perLayer).map(([name, c]) => [name, 1 - c])),
      );
      return;
    }
    case 'raster':
      state.rasterSpikes = drawRaster($<HTMLCanvasElement>('raster'), m.layers);
      state.rasterCorrect = drawRasterLabels($('raster-labels'), m.labels, m.predictions, state.classNames);
      drawRasterLegend($('raster-legend'), m.layers);
      return;
    case 'masks':
      drawMasks($('masks'), m.layers, m.step);
      state.maskUpdates++;
      state.masks = m.layers.map((l) => ({
        name: l.name,
        connectivity: l.connectivity,
        pruned: l.prunedSinceLast,
        regrown: l.regrownSinceLast,
      }));
      return;
    case 'paused':
      state.paused = true;
      pauseButton.textContent = 'Resume';
      setStatus(`paused at step ${m.step}`);
      return;
    case 'resumed':
      state.paused = false;
      pauseButton.textContent = 'Pause';
      setStatus('resumed');
      return;
    case 'done': {
      setRunning(false);
      const last = state.evals.at(-1);
      setStatus(
        `${m.stopped ? 'stopped' : 'done'} after ${m.step} steps` +
          (last
            ? ` · test accuracy ${(100 * last.accuracy).toFixed(2)}% · connectivity ${(100 * last.connectivity).toFixed(1)}%`
            : ''),
      );
      return;
    }
    case 'export': {
      const url = URL.createObjectURL(
        new Blob([m.bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
      );
      const a = document.createElement('a');
      a.href = url;
      a.download = m.fileName;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return;
    }
    case 'error':
      if (state.running) setRunning(false);
      setStatus(`error: ${m.message}`, true);
      return;
  }
};
worker.onerror = (e) => setStatus(`worker failed: ${e.message}`, true);

learnerSelect.addEventListener('change', () => renderKnobs(learners));

$<HTMLFormElement>('controls').addEventListener('submit', (event) => {
  event.preventDefault();
  try {
    const config = readConfig();
    const data = readSource();
    for (const p of Object.values(plots)) p.reset();
    state.evals = [];
    state.step = 0;
    state.losses = [];
    state.trainedSamples = 0;
    state.trainSeconds = 0;
    state.maskUpdates = 0;
    state.error = '';
    setRunning(true);
    downloadButton.disabled = false;
    setStatus('starting…');
    post({ type: 'start', config, data });
  } catch (e) {
    setStatus(`error: ${(e as Error).message}`, true);
  }
});
pauseButton.addEventListener('click', () => post({ type: state.paused ? 'resume' : 'pause' }));
stopButton.addEventListener('click', () => post({ type: 'stop' }));
downloadButton.addEventListener('click', () => post({ type: 'export', format: exportSelect.value }));
datasetSelect.addEventListener('change', showPickHint);
showPickHint();

async function probeData(): Promise<void> {
  const hint = $('data-hint');
  try {
    const res = await fetch(new URL('data/index.json', document.baseURI));
    const index = res.ok ? ((await res.json()) as { mnist: string[] | null }) : null;
    if (index?.mnist) {
      hint.textContent = `the server has ${index.mnist.length} MNIST files in its data root`;
      return;
    }
  } catch {
    // a static build has no data endpoint: fall through to the file picker
  }
  (document.querySelector('input[name="source"][value="files"]') as HTMLInputElement).checked = true;
  hint.textContent = 'no MNIST on this server: pick the files of a dataset';
}

void probeData();
/** `?threads=N`: wasm-simd's threads (e.g. 1 to compare with the default, the cores). */
function threadsParam(): number | undefined {
  const value = new URLSearchParams(location.search).get('threads');
  if (value === null) return undefined;
  const n = Number(value);
  if (Number.isInteger(n) && n >= 1) return n;
  setStatus(`error: ?threads=${value}: expected a positive integer; training on the default threads`, true);
  return undefined;
}

post({ type: 'init', wasmPaths: new URL('tfjs-wasm/', document.baseURI).href, threads: threadsParam() });
