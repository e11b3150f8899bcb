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
