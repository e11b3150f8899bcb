import { parseEvents } from '@synaptogen/datasets/node';
import { describe, expect, it } from 'vitest';
import { DATA } from '../test-cli.js';
import { eventBatches, framesOf, listEventSamples } from './event-frames.js';

/** Framing of real N-MNIST recordings (the data root's train1K set). */
describe('event frames for eval', () => {
  const samples = listEventSamples('nmnist', DATA, 'train').slice(0, 3);

  it('--frame-ms W: whole windows of W ms from the first event, the incomplete last one dropped (tonic ToFrame)', async () => {
    for (const s of samples) {
      const ev = parseEvents(await s.read(), s.name);
      const span = ev.t[ev.count - 1] - ev.t[0];
      const { frames, T, size } = framesOf(ev, { frameMs: 1 });
      expect(size).toEqual([34, 34]);
      expect(T).toBe(Math.floor((span - 1000) / 1000) + 1);
      expect(T).toBeGreaterThan(250); // N-MNIST recordings last about 300 ms
      let inside = 0;
      for (let k = 0; k < ev.count; k++) if (ev.t[k] < ev.t[0] + T * 1000) inside++;
      expect(frames.reduce((a, b) => a + b, 0)).toBe(inside);
      // event k lands in frame floor((t − t0)/1000), channel p, pixel (y, x)
      const k = Math.floor(ev.count / 2);
      const f = Math.floor((ev.t[k] - ev.t[0]) / 1000);
      expect(frames[((f * 2 + ev.p[k]) * 34 + ev.y[k]) * 34 + ev.x[k]]).toBeGreaterThanOrEqual(1);
    }
  });

  it('--time-bins N: every event in one of N bins; batches are time-major and padded with empty frames', async () => {
    const ev = parseEvents(await samples[0].read(), samples[0].name);
    const { frames, T } = framesOf(ev, { timeBins: 10 });
    expect(T).toBe(10);
    expect(frames.reduce((a, b) => a + b, 0)).toBe(ev.count);
    const batches = [];
    for await (const b of eventBatches(samples, { frameMs: 1 }, { batchSize: 3 })) batches.push(b);
    expect(batches).toHaveLength(1);
    const [Tmax, n, c, h, w] = batches[0].shape;
    expect([n, c, h, w]).toEqual([3, 2, 34, 34]);
    const lengths = [];
    for (const s of samples) lengths.push(framesOf(parseEvents(await s.read(), s.name), { frameMs: 1 }).T);
    expect(Tmax).toBe(Math.max(...lengths));
    expect(Array.from(batches[0].labels)).toEqual(samples.map((s) => s.label));
  });
});
