import { DatasetFormatError } from './errors.js';

/** Decoded DVS events, one entry per event in file order. */
export interface EventStream {
  format: EventFormat;
  /** Sensor size in pixels. */
  width: number;
  height: number;
  count: number;
  x: Uint16Array;
  y: Uint16Array;
  /** Polarity, 1 = ON (brightness up), 0 = OFF. */
  p: Uint8Array;
  /** Timestamps in microseconds (Float64 so AEDAT 4's 64-bit epoch times stay exact). */
  t: Float64Array;
}

export type EventFormat = 'aedat2' | 'aedat4' | 'nmnist';

/** Summary statistics of an event stream (what `synaptogen events info` prints). */
export interface EventSummary {
  format: EventFormat;
  width: number;
  height: number;
  events: number;
  onEvents: number;
  offEvents: number;
  tFirst: number | null;
  tLast: number | null;
}

export function summarizeEvents(ev: EventStream): EventSummary {
  let on = 0;
  for (let i = 0; i < ev.count; i++) on += ev.p[i];
  return {
    format: ev.format,
    width: ev.width,
    height: ev.height,
    events: ev.count,
    onEvents: on,
    offEvents: ev.count - on,
    tFirst: ev.count ? ev.t[0] : null,
    tLast: ev.count ? ev.t[ev.count - 1] : null,
  };
}

export function allocateEvents(
  format: EventFormat,
  width: number,
  height: number,
  count: number,
): EventStream {
  return {
    format,
    width,
    height,
    count,
    x: new Uint16Array(count),
    y: new Uint16Array(count),
    p: new Uint8Array(count),
    t: new Float64Array(count),
  };
}

const startsWith = (bytes: Uint8Array, text: string) => {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
};

/**
 * Detects the container from the content: `#!AER-DAT4` → AEDAT 4, `#!AER-DAT2` → AEDAT 2,
 * otherwise a whole number of 5-byte records → N-MNIST. Names the file when none fits.
 */
export function detectEventFormat(bytes: Uint8Array, file = '<events>'): EventFormat {
  if (startsWith(bytes, '#!AER-DAT4')) return 'aedat4';
  if (startsWith(bytes, '#!AER-DAT')) return 'aedat2';
  if (bytes.length > 0 && bytes.length % 5 === 0 && bytes[0] !== 0x23) return 'nmnist';
  throw new DatasetFormatError('bad-magic', 'not a recognised event file', {
    file,
    offset: 0,
    expected: "'#!AER-DAT2.0' or '#!AER-DAT4.0' header, or N-MNIST 5-byte events",
  });
}
