// Shared argument handling for the commands (DESIGN.md, CLI contract).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FORMATS, type Format } from '../report/records.js';
import { LEVELS, type Level } from '../sigma/model.js';
import { parseTimestamp } from '../util/time.js';

export class UsageError extends Error {}

export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

export const COMMON_OPTIONS = {
  format: { type: 'string' },
  out: { type: 'string', short: 'o' },
  quiet: { type: 'boolean', short: 'q' },
  'fail-on': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

export function formatOption(v: string | undefined, toFile: boolean): Format {
  if (v === undefined) return process.stdout.isTTY && !toFile ? 'table' : 'jsonl';
  if (!(FORMATS as readonly string[]).includes(v)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got '${v}'`);
  return v as Format;
}

export function levelOption(v: string | undefined, name: string): Level | undefined {
  if (v === undefined) return undefined;
  if (!(LEVELS as readonly string[]).includes(v)) throw new UsageError(`${name} must be one of ${LEVELS.join(', ')}; got '${v}'`);
  return v as Level;
}

/** A date or time; with `endOfDay`, a bare date means the last millisecond of that day (for --to). */
export function timeOption(v: string | undefined, name: string, endOfDay = false): number | undefined {
  if (v === undefined) return undefined;
  let t = parseTimestamp(v);
  if (endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(v.trim())) t += 86_400_000 - 1;
  if (Number.isNaN(t)) throw new UsageError(`${name} must be a date or time such as 2024-05-01 or 2024-05-01T12:00:00Z; got '${v}'`);
  return t;
}

export function say(quiet: boolean | undefined, msg: string): void {
  if (!quiet) process.stderr.write(msg + '\n');
}

export function threadsOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--threads must be a whole number; got '${v}'`);
  return Number(v);
}
