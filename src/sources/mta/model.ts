// What the Unix mail-server readers produce: settings, services, table entries and filter
// commands, each with the file and 1-based line it came from. Readers never throw on bad input:
// they return what they could read and the problems they met (file, line, why).

export type MtaName = 'postfix' | 'sendmail' | 'exim';

export interface LineRef { file: string; line: number }

export interface MtaProblem { file: string; line?: number; message: string }

/** One `name = value` setting (Postfix main.cf, postconf -n, Exim main options, Debian's dc_* file). */
export interface Setting { name: string; value: string; ref: LineRef }

/** Text evidence above this size is not read (configurations are small; a huge one is a problem, not data). */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;
/** A logical line longer than this is cut and reported. */
export const MAX_LINE_CHARS = 64 * 1024;

/** Lines of a text with their 1-based numbers (CR LF and LF). */
export function numberedLines(text: string): { text: string; line: number }[] {
  return text.split('\n').map((t, i) => ({ text: t.endsWith('\r') ? t.slice(0, -1) : t, line: i + 1 }));
}

/** Bounded, printable excerpt of attacker-controlled text for a problem message. */
export function excerpt(s: string, max = 80): string {
  const t = s.length > max ? s.slice(0, max) + '…' : s;
  return JSON.stringify(t);
}
