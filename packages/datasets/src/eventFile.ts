import { type Aedat2Options, parseAedat2 } from './aedat2.js';
import { type Aedat4Options, parseAedat4 } from './aedat4.js';
import { detectEventFormat, type EventFormat, type EventStream } from './events.js';
import { parseNmnist } from './nmnist.js';

export interface ParseEventsOptions extends Aedat2Options, Aedat4Options {
  /** Skip detection and parse as this format. */
  format?: EventFormat;
}

/** Parses any supported event recording, detecting the format from the content. */
export function parseEvents(
  bytes: Uint8Array,
  file = '<events>',
  options: ParseEventsOptions = {},
): EventStream {
  const format = options.format ?? detectEventFormat(bytes, file);
  if (format === 'aedat4') return parseAedat4(bytes, file, options);
  if (format === 'aedat2') return parseAedat2(bytes, file, options);
  return parseNmnist(bytes, file);
}
