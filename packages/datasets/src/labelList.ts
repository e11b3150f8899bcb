import { DatasetFormatError } from './errors.js';

/** Parses `train1K.txt`-style label lists: `id<TAB>class` per line, '#' comments. */
export function parseLabelList(text: string, file: string): Map<number, number> {
  const out = new Map<number, number>();
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const m = t.match(/^(\d+)\s+(\d+)$/);
    if (!m || Number(m[2]) > 9) {
      throw new DatasetFormatError('bad-layout', `line ${i + 1} is '${t}'`, {
        file,
        expected: '<sample id> <class 0..9>',
      });
    }
    out.set(Number(m[1]), Number(m[2]));
  });
  return out;
}
