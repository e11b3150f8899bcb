import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { activityFromTensor, buildProfile, conv2dLayer, linearLayer } from './layout.js';
import { loadChip, loadEnergyPresets, readProfileFile, writeProfileFile } from './node.js';
import { countOps } from './ops.js';
import { mulberry32 } from './random.js';
import { parseProfile, stringifyProfile } from './serialize.js';

function sample() {
  const rand = mulberry32(5);
  const spikes = Uint8Array.from({ length: 2 * 3 * 5 * 5 * 2 }, () => (rand() < 0.3 ? 1 : 0));
  return buildProfile({
    timeSteps: 2,
    meta: { name: 'tiny', dataset: 'synthetic' },
    layers: [
      conv2dLayer({
        name: 'conv',
        inChannels: 2,
        outChannels: 3,
        inputSize: [5, 5],
        kernel: 3,
        padding: 'same',
        weights: Float32Array.from({ length: 54 }, () => (rand() < 0.5 ? rand() : 0)),
        outChannelMask: [1, 0, 1],
        activity: activityFromTensor(spikes, 2, 3),
      }),
      linearLayer({
        name: 'fc',
        inFeatures: 75,
        outFeatures: 4,
        inputShape: [5, 5, 3],
        activity: { kind: 'rate', rate: 0.1 },
      }),
    ],
  });
}

describe('profile JSON', () => {
  it('round-trips masks and counts exactly', () => {
    const p = sample();
    const back = parseProfile(stringifyProfile(p));
    expect(back).toEqual(p);
    expect(countOps(back)).toEqual(countOps(p));
  });

  it('names the file and field on bad input', () => {
    const json = JSON.parse(stringifyProfile(sample()));
    json.layers[0].activity.counts.length = 3;
    expect(() => parseProfile(JSON.stringify(json), 'bad.json')).toThrow(
      /bad.json: layer 0 \(conv\): activity.counts/,
    );
    expect(() => parseProfile('{"version": 9, "layers": []}', 'old.json')).toThrow(
      /old.json: unsupported profile version 9/,
    );
    expect(() => parseProfile('not json', 'x.json')).toThrow(/x.json: not valid JSON/);
  });

  it('writes atomically and reads chip and preset files', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'synaptogen-hw-'));
    const file = path.join(dir, 'profile.json');
    await writeProfileFile(file, sample());
    expect(await readdir(dir)).toEqual(['profile.json']);
    expect(await readProfileFile(file)).toEqual(sample());

    const chipFile = path.join(dir, 'mychip.json');
    await writeFile(chipFile, JSON.stringify({ name: 'mychip', coresPerChip: 2, core: { maxNeurons: 16 } }));
    const c = await loadChip(chipFile);
    expect(c.core).toMatchObject({ maxNeurons: 16, maxInputAxons: null, synapseMemory: null });
    expect((await loadChip('Loihi')).coresPerChip).toBe(128);
    await writeFile(
      path.join(dir, 'broken.json'),
      '{"name": "b", "coresPerChip": 0, "core": {"maxNeurons": 1}}',
    );
    await expect(loadChip(path.join(dir, 'broken.json'))).rejects.toThrow(
      /broken.json \(b\): coresPerChip must be an integer >= 1/,
    );
    await expect(loadChip(path.join(dir, 'missing.json'))).rejects.toThrow(
      /missing.json: cannot read \(ENOENT\)/,
    );

    const presetFile = path.join(dir, 'presets.json');
    await writeFile(presetFile, JSON.stringify({ presets: [{ name: 'a', macPJ: 1, acPJ: 0.1 }] }));
    const presets = await loadEnergyPresets(['45nm-int8', presetFile]);
    expect(presets.map((p) => p.name)).toEqual(['45nm-int8', 'a']);
  });
});
