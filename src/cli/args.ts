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

/**
 * --format: one of `allowed` (default: all record formats). Without it, a table on a terminal
 * (when `allowed` has one and the records do not go to a file), JSON Lines otherwise.
 */
export function formatOption<F extends Format = Format>(v: string | undefined, toFile: boolean, allowed: readonly F[] = FORMATS as readonly F[]): F {
  if (v === undefined) return ((allowed as readonly Format[]).includes('table') && process.stdout.isTTY && !toFile ? 'table' : 'jsonl') as F;
  if (!(allowed as readonly string[]).includes(v)) throw new UsageError(`--format must be one of ${allowed.join(', ')}; got '${v}'`);
  return v as F;
}

/** `fn()`, with errors of the `kinds` given (an unreadable store, a bad list the user named...) as usage errors (exit 2) with the same message. */
export async function usageErrorsFrom<T>(kinds: readonly (abstract new (...args: never[]) => Error)[], fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (kinds.some((k) => e instanceof k)) throw new UsageError((e as Error).message);
    throw e;
  }
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

/** Colour for a table on a terminal that does not ask for none (NO_COLOR), when the records are not going to a file. */
export function tableColour(format: Format, out: string | undefined): boolean {
  return format === 'table' && out === undefined && !!process.stdout.isTTY && !process.env['NO_COLOR'];
}

export function say(quiet: boolean | undefined, msg: string): void {
  if (!quiet) process.stderr.write(msg + '\n');
}

export function threadsOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--threads must be a whole number; got '${v}'`);
  return Number(v);
}
