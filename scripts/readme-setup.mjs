#!/usr/bin/env node
// Prints the set-up commands of README.md (the sh block marked `<!-- readme-test: setup -->`), so that CI
// runs exactly what the README tells a developer on a fresh clone:   bash -c "$(node scripts/readme-setup.mjs)"
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBlocks } from './readme-blocks.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const setup = parseBlocks(readFileSync(join(root, 'README.md'), 'utf8')).filter(
  (b) => b.marker?.what === 'setup',
);
if (setup.length !== 1 || setup[0].kind !== 'sh') {
  console.error(
    `readme-setup: README.md must have exactly one sh block marked <!-- readme-test: setup --> (found ${setup.length})`,
  );
  process.exit(1);
}
process.stdout.write(`${setup[0].code}\n`);
