import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { SpikingModel } from '@synaptogen/nn';
import { NirError } from '../errors.js';
import { type ExportNirOptions, exportNirBytes } from '../export.js';
import { type NirGraph, readNir, writeNir } from '../graph.js';
import { type ImportedNir, type ImportNirOptions, importNir } from '../import.js';

export * from '../index.js';

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (e) {
    throw new NirError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      file,
    });
  }
}

/** Reads a `.nir` file into a graph. */
export async function readNirFile(file: string): Promise<NirGraph> {
  return readNir(await readBytes(file), { file });
}

/** Reads a `.nir` file and imports it as a synaptogen model. */
export async function importNirFile(file: string, options: ImportNirOptions = {}): Promise<ImportedNir> {
  return importNir(await readNirFile(file), { file, ...options });
}

/** Writes bytes to a temp file beside `file`, then renames: a failed write never leaves half a file. */
async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const target = resolve(file);
  const tmp = join(
    dirname(target),
    `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new NirError(`cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      file,
    });
  }
}

/** Writes a graph as a `.nir` file (atomically). */
export async function writeNirFile(file: string, graph: NirGraph): Promise<void> {
  await writeAtomically(file, writeNir(graph));
}

/** Exports a model as a `.nir` file (atomically). */
export async function exportNirFile(
  file: string,
  model: SpikingModel,
  options: ExportNirOptions = {},
): Promise<void> {
  await writeAtomically(file, exportNirBytes(model, options));
}
