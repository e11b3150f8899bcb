/**
 * Node-only helpers: read chips, energy presets and profiles from JSON files, write profiles atomically.
 * Import from `@synaptogen/hardware/node`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { type Chip, ChipError, chip, chipNames, parseChip } from './chip.js';
import {
  type EnergyPreset,
  EnergyPresetError,
  energyPreset,
  energyPresetNames,
  parseEnergyPreset,
} from './energy.js';
import type { NetworkProfile } from './profile.js';
import { parseProfile, stringifyProfile } from './serialize.js';

async function readJSON(path: string, what: string, ErrorType: new (m: string) => Error): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ErrorType(
      `${what} file ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ErrorType(`${what} file ${path}: not valid JSON (${(e as Error).message})`);
  }
}

export async function readChipFile(path: string): Promise<Chip> {
  return parseChip(await readJSON(path, 'chip', ChipError), path);
}

/** A built-in chip name (loihi, loihi2, truenorth, spinnaker) or a path to a chip JSON file. */
export async function loadChip(nameOrPath: string): Promise<Chip> {
  if (chipNames().includes(nameOrPath.toLowerCase())) return chip(nameOrPath);
  if (nameOrPath.endsWith('.json') || existsSync(nameOrPath)) return readChipFile(nameOrPath);
  return chip(nameOrPath); // throws with the list of built-in names
}

/** A preset file holds one preset object or `{ "presets": [ ... ] }`. */
export async function readEnergyPresetFile(path: string): Promise<EnergyPreset[]> {
  const json = await readJSON(path, 'energy preset', EnergyPresetError);
  const list = (json as { presets?: unknown })?.presets;
  if (Array.isArray(list)) return list.map((p, i) => parseEnergyPreset(p, `${path}: presets[${i}]`));
  return [parseEnergyPreset(json, path)];
}

/** Built-in preset names or paths to preset files, flattened in order. */
export async function loadEnergyPresets(namesOrPaths: string[]): Promise<EnergyPreset[]> {
  const out: EnergyPreset[] = [];
  for (const n of namesOrPaths) {
    if (energyPresetNames().includes(n)) out.push(energyPreset(n));
    else if (n.endsWith('.json') || existsSync(n)) out.push(...(await readEnergyPresetFile(n)));
    else out.push(energyPreset(n)); // throws with the list of built-in names
  }
  return out;
}

export async function readProfileFile(path: string): Promise<NetworkProfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(
      `profile file ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return parseProfile(text, path);
}

/** Writes the profile as JSON through a temporary file and a rename, so readers never see half a file. */
export async function writeProfileFile(path: string, profile: NetworkProfile): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, stringifyProfile(profile));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
