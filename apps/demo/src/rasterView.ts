import type { RasterLayer } from './protocol.js';

const LAYER_COLORS = ['#ffd166', '#06d6a0', '#4cc9f0', '#f72585'];

/**
 * Draws spike rasters: per sample a block of T columns, per layer a band of rows (one per unit),
 * a lit pixel for each spike. Layers are stacked with a gap, samples separated by a dark column.
 */
export function drawRaster(canvas: HTMLCanvasElement, layers: readonly RasterLayer[]): number {
  if (!layers.length) return 0;
  const { T, samples } = layers[0];
  const cols = samples * (T + 1) - 1;
  const rows = layers.reduce((a, l) => a + l.units, 0) + layers.length - 1;
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return 0;
  const img = ctx.createImageData(cols, rows);
  let spikes = 0;
  let row0 = 0;
  layers.forEach((layer, li) => {
    const hex = LAYER_COLORS[li % LAYER_COLORS.length];
    const rgb = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
    for (let t = 0; t < layer.T; t++)
      for (let n = 0; n < layer.samples; n++)
        for (let u = 0; u < layer.units; u++) {
          if (!layer.data[(t * layer.samples + n) * layer.units + u]) continue;
          spikes++;
          const p = 4 * ((row0 + u) * cols + n * (T + 1) + t);
          img.data.set([...rgb, 255], p);
        }
    row0 += layer.units + 1;
  });
  ctx.putImageData(img, 0, 0);
  canvas.dataset.spikes = String(spikes);
  return spikes;
}

/** The label and the prediction above each sample's block of T columns (green: right, red: wrong). */
export function drawRasterLabels(
  row: HTMLElement,
  labels: readonly number[],
  predictions: readonly number[],
  classNames: readonly string[],
): number {
  const name = (c: number) => classNames[c] ?? String(c);
  const cells = labels.map((label, i) => {
    const cell = document.createElement('span');
    const right = predictions[i] === label;
    cell.className = right ? 'right' : 'wrong';
    cell.textContent = `${name(label)} → ${name(predictions[i])}`;
    cell.title = `sample ${i}: label ${name(label)}, predicted ${name(predictions[i])}`;
    return cell;
  });
  row.replaceChildren(...cells);
  const correct = labels.filter((l, i) => predictions[i] === l).length;
  row.dataset.correct = String(correct);
  return correct;
}

/** Which colour is which layer, and how to read the raster. */
export function drawRasterLegend(legend: HTMLElement, layers: readonly RasterLayer[]): void {
  const items = layers.map((l, i) => {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = LAYER_COLORS[i % LAYER_COLORS.length];
    item.append(swatch, `${l.name}: first ${l.units} units (rows)`);
    return item;
  });
  const how = document.createElement('span');
  how.textContent = `columns: T = ${layers[0]?.T ?? '?'} steps per sample; each lit pixel is a spike`;
  legend.replaceChildren(...items, how);
}
