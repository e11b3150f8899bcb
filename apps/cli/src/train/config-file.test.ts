import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../program.js';
import { applyConfigFile } from './config-file.js';

const trainCommand = () => {
  const program = buildProgram('0.0.0');
  const train = program.commands.find((c) => c.name() === 'train');
  if (!train) throw new Error('no train command');
  train.parseOptions([]);
  return train;
};

function configFile(json: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'synaptogen-config-')), 'run.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}

describe('--config files', () => {
  it('negated flags take booleans: {"augment": false} turns augmentation off, like --no-augment', () => {
    const train = trainCommand();
    const merged = applyConfigFile(
      configFile({ augment: false, simd: false, json: true }),
      train,
      train.opts(),
    );
    expect(merged.augment).toBe(false);
    expect(merged.simd).toBe(false);
    expect(merged.json).toBe(true);
  });

  it('a negated flag given a string is refused with the key named', () => {
    const train = trainCommand();
    expect(() => applyConfigFile(configFile({ augment: 'false' }), train, train.opts())).toThrow(
      /"augment" expects true or false, got "false"/,
    );
  });
});
