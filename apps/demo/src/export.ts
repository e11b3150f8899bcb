import type { DemoSession } from './session.js';

/** A way to take the trained network out of the page. */
export interface ExportFormat {
  id: string;
  label: string;
}

/**
 * The formats the page offers (the export menu lists exactly these). A synaptogen checkpoint (zip of
 * the checkpoint directory) reads back with `synaptogen report`, `cost` and `train --resume`.
 * NIR (the neuromorphic intermediate representation) is being written as a library function; when it
 * lands, add `{ id: 'nir', label: … }` here and its case in `exportRun`.
 */
export const EXPORT_FORMATS: readonly ExportFormat[] = [
  { id: 'checkpoint', label: 'synaptogen checkpoint (.zip)' },
];

/** Runs an export of the session's current network (between training steps). */
export function exportRun(
  session: DemoSession,
  format: string,
): Promise<{ fileName: string; bytes: Uint8Array }> {
  switch (format) {
    case 'checkpoint':
      return session.checkpoint();
    default:
      throw new Error(
        `unknown export format "${format}"; expected one of: ${EXPORT_FORMATS.map((f) => f.id).join(', ')}`,
      );
  }
}
