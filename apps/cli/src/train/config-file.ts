import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { CliError } from '../errors.js';

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Reads a `--config run.json` file (keys: flag names, camelCase or kebab-case, without "--") and
 * merges it under the flags: a flag given on the command line wins, the file beats the defaults.
 * Values go through the flags' own parsers, so the file gets the same checks and messages.
 */
export function applyConfigFile(
  file: string,
  command: Command,
  flags: Record<string, unknown>,
): Record<string, unknown> {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(
      `--config ${file}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      2,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new CliError(`--config ${file}: not valid JSON (${(e as Error).message})`, 2);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new CliError(`--config ${file}: expected a JSON object of flag names to values`, 2);
  return applyFlagValues(`--config ${file}`, json as Record<string, unknown>, command, flags);
}

/** Flags that cannot come from a file or a preset. */
const NOT_SETTABLE = new Set(['config', 'preset', 'help']);

/**
 * Merges `values` (flag names to values, from a config file or a preset named by `where`) under the
 * flags: a flag given on the command line wins, `values` beat the defaults and what `flags` already
 * took from an earlier source.
 */
export function applyFlagValues(
  where: string,
  values: Record<string, unknown>,
  command: Command,
  flags: Record<string, unknown>,
): Record<string, unknown> {
  const options = new Map<string, Option>(command.options.map((o) => [o.attributeName(), o]));
  const merged = { ...flags };
  for (const [key, value] of Object.entries(values)) {
    const name = camel(key.replace(/^--/, ''));
    const option = options.get(name);
    if (!option || NOT_SETTABLE.has(name))
      throw new CliError(
        `${where}: unknown key "${key}"; expected flag names such as ${[...options.keys()].filter((k) => !NOT_SETTABLE.has(k)).join(', ')}`,
        2,
      );
    const parsed = parseValue(where, key, option, value);
    if (command.getOptionValueSource(name) !== 'cli') merged[name] = parsed;
    // learner options merge: the file's, then those given with --learner-option
    else if (name === 'learnerOption') merged[name] = { ...(parsed as object), ...(flags[name] as object) };
  }
  return merged;
}

function parseValue(source: string, key: string, option: Option, value: unknown): unknown {
  const where = `${source}: "${key}"`;
  // `--json` (boolean) and `--no-augment` (negated: the file says "augment": false)
  if (option.isBoolean() || option.negate) {
    if (typeof value !== 'boolean')
      throw new CliError(`${where} expects true or false, got ${JSON.stringify(value)}`, 2);
    return value;
  }
  const parse = option.parseArg as ((v: string, prev: unknown) => unknown) | undefined;
  if (name(option) === 'learnerOption') {
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new CliError(`${where} expects an object of learner options, e.g. {"rate": 0.5}`, 2);
    return value;
  }
  if (value === null || typeof value === 'object')
    throw new CliError(`${where} expects a number or a string, got ${JSON.stringify(value)}`, 2);
  try {
    return parse ? parse(String(value), undefined) : String(value);
  } catch (e) {
    throw new CliError(`${source}: ${(e as Error).message}`, 2);
  }
}

const name = (o: Option) => o.attributeName();
