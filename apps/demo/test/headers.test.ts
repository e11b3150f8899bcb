import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISOLATION_HEADERS } from '../vite.config.js';
import { demoDir } from './server.js';

/** `public/_headers` (copied into the build): Netlify's and Cloudflare Pages' format, `path` then `  Name: value`. */
function parseHeadersFile(text: string): Record<string, Record<string, string>> {
  const rules: Record<string, Record<string, string>> = {};
  let path = '';
  for (const line of text.split('\n')) {
    if (!line.trim() || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      path = line.trim();
      rules[path] = {};
      continue;
    }
    const at = line.indexOf(':');
    rules[path][line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return rules;
}

describe('the build asks static hosts for cross-origin isolation', () => {
  it('public/_headers sends the dev server’s COOP/COEP headers for every path', () => {
    const rules = parseHeadersFile(readFileSync(join(demoDir, 'public/_headers'), 'utf8'));
    expect(rules).toEqual({ '/*': ISOLATION_HEADERS });
  });
});
