import type { MaskMap } from './protocol.js';

/** Present synapses shade from white (none in the bin) to blue (all); changes since the last map tint red / green. */
const PRESENT = [31, 119, 180];
const PRUNED = [214, 39, 40];
const REGROWN = [44, 160, 44];

const fmt = (n: number) => n.toLocaleString('en-US');

/** One layer's map: each pixel a bin of synapses (inputs down, outputs across). */
function drawLayer(canvas: HTMLCanvasElement, m: MaskMap): void {
  canvas.width = m.binCols;
  canvas.height = m.binRows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(m.binCols, m.binRows);
  // synapses per bin (the last row and column of bins may hold fewer; close enough for a tint)
  const perBin = Math.ceil(m.rows / m.binRows) * Math.ceil(m.cols / m.binCols);
  for (let b = 0; b < m.density.length; b++) {
    const d = m.density[b];
    const base = PRESENT.map((c) => 255 - d * (255 - c));
    // changes since the last map tint the bin: pruning red, regrowth green, stronger the more changed
    const changed = m.pruned[b] + m.regrown[b];
    const tint = m.pruned[b] >= m.regrown[b] ? PRUNED : REGROWN;
    const a = Math.min(1, (4 * changed) / perBin);
    const rgb = base.map((c, i) => Math.round(c * (1 - a) + tint[i] * a));
    img.data.set([...rgb, 255], 4 * b);
  }
  ctx.putImageData(img, 0, 0);
}

/**
 * The connectivity of every prunable layer as a heat-map that follows the structure learner: one panel
 * per layer with its size, the share of synapses present and what was pruned / regrown since the last
 * evaluation. Returns the panels drawn (mirrored in `data-layers` for tests).
 */
export function drawMasks(container: HTMLElement, maps: readonly MaskMap[], step: number): number {
  const panels = maps.map((m) => {
    const figure = document.createElement('div');
    figure.className = 'mask-panel';
    figure.dataset.layer = m.name;
    const canvas = document.createElement('canvas');
    canvas.className = 'mask';
    canvas.title = `${m.name}: ${m.rows} inputs × ${m.cols} outputs, ${m.binRows} × ${m.binCols} bins`;
    drawLayer(canvas, m);
    // keep the matrix's aspect ratio inside a 220 px box (a 784 × 800 layer is square, 800 × 10 tall and thin)
    const scale = Math.min(220 / m.binCols, 220 / m.binRows);
    canvas.style.width = `${Math.max(12, Math.round(m.binCols * scale))}px`;
    canvas.style.height = `${Math.round(m.binRows * scale)}px`;
    const caption = document.createElement('div');
    caption.className = 'mask-caption';
    caption.innerHTML = `<b>${m.name}</b> ${m.rows} × ${m.cols} · <span class="present">${(100 * m.connectivity).toFixed(1)}% present</span>`;
    const changes = document.createElement('div');
    changes.className = 'mask-changes';
    changes.innerHTML =
      step === 0
        ? 'at the start'
        : `since the last map: <span class="pruned">−${fmt(m.prunedSinceLast)} pruned</span> <span class="regrown">+${fmt(m.regrownSinceLast)} regrown</span>`;
    figure.append(caption, canvas, changes);
    return figure;
  });
  container.replaceChildren(...panels);
  container.dataset.layers = String(panels.length);
  container.dataset.step = String(step);
  return panels.length;
}
