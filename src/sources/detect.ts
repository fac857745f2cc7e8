// What kind of evidence a file holds, decided from its first bytes, never from its name.
import { openSync, readSync, closeSync } from 'node:fs';
import { isZip } from './zip/reader.js';
import { isExchangeLogHead } from './exchangelog/reader.js';

/**
 * `exchangelog`: Exchange Server's W3C-style text logs (message tracking, agent, SMTP protocol, ...);
 * `clixml`: PowerShell Export-Clixml output; `eml`: a message (RFC 5322).
 */
export type DetectedKind = 'evtx' | 'zip' | 'json' | 'xml' | 'clixml' | 'exchangelog' | 'eml' | 'csv' | 'empty' | 'unknown';

const EVTX_MAGIC = Buffer.from('ElfFile\0', 'latin1');

export function detectKindOfBytes(head: Uint8Array): DetectedKind {
  if (head.length === 0) return 'empty';
  if (head.length >= 8 && Buffer.from(head.subarray(0, 8)).equals(EVTX_MAGIC)) return 'evtx';
  if (isZip(head)) return 'zip';
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3; // UTF-8 BOM
  else if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) {
    // UTF-16 with a BOM (Windows PowerShell's Out-File): only event XML is read in this encoding.
    const le = head[0] === 0xff;
    let j = 2;
    for (; j + 1 < head.length; j += 2) {
      const hi = le ? head[j + 1] : head[j];
      const lo = le ? head[j] : head[j + 1];
      if (hi !== 0 || !(lo === 0x20 || lo === 0x09 || lo === 0x0a || lo === 0x0d)) break;
    }
    if (j + 1 >= head.length) return 'empty';
    if (!(le ? head[j] === 0x3c && head[j + 1] === 0 : head[j] === 0 && head[j + 1] === 0x3c)) return 'unknown';
    // Windows PowerShell's Export-Clixml writes UTF-16LE
    const text = new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(head.subarray(j, j + 2048));
    return CLIXML_ROOT.test(text) ? 'clixml' : 'xml';
  }
  if (head[i] === 0x23 /* # */ && isExchangeLogHead(Buffer.from(head.subarray(i, i + 64)).toString('latin1'))) return 'exchangelog';
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (i === head.length) return 'empty';
  if (head[i] === 0x7b /* { */ || head[i] === 0x5b /* [ */) return 'json';
  if (head[i] === 0x3c /* < */) return isClixml(head.subarray(i)) ? 'clixml' : 'xml'; // an XML declaration, <Events>, <Event>, a comment
  if (looksLikeMessage(head.subarray(i))) return 'eml';
  return looksLikeCsvHeader(afterTypeLine(head.subarray(i))) ? 'csv' : 'unknown';
}

/** Export-Clixml: an `<Objs>` root in the PowerShell namespace. */
const CLIXML_ROOT = /^(<\?xml[^>]*\?>\s*)?<Objs\s[^>]*xmlns\s*=\s*["']http:\/\/schemas\.microsoft\.com\/powershell\/2004\/04["']/;

function isClixml(b: Uint8Array): boolean {
  return CLIXML_ROOT.test(Buffer.from(b.subarray(0, 1024)).toString('latin1'));
}

/** Windows PowerShell's Export-Csv writes `#TYPE <type name>` before the header. */
function afterTypeLine(b: Uint8Array): Uint8Array {
  if (!Buffer.from(b.subarray(0, 6)).equals(Buffer.from('#TYPE '))) return b;
  const nl = b.indexOf(0x0a);
  return nl < 0 ? b.subarray(b.length) : b.subarray(nl + 1);
}

/** Header fields a message (RFC 5322) or an Exchange Pickup/Replay file carries. */
const MESSAGE_FIELDS = new Set(['from', 'to', 'cc', 'subject', 'date', 'received', 'message-id', 'mime-version', 'return-path', 'x-sender', 'x-receiver', 'sender', 'content-type']);

/**
 * An RFC 5322 header block: from the first line, header fields (`Name: value`, folded lines
 * starting with white space) up to a blank line or the end of what was read, with at least
 * three fields and two known message fields among them.
 */
function looksLikeMessage(b: Uint8Array): boolean {
  const text = Buffer.from(b).toString('latin1');
  const lines = text.split(/\r?\n/);
  if (b.length === 4096) lines.pop(); // the last line may be cut
  let fields = 0;
  const known = new Set<string>();
  for (const line of lines) {
    if (line === '') break;
    if (/^[ \t]/.test(line)) { if (fields === 0) return false; continue; }
    const m = /^([!-9;-~]+):/.exec(line);
    if (!m) return false;
    fields++;
    const name = m[1]!.toLowerCase();
    if (MESSAGE_FIELDS.has(name)) known.add(name);
  }
  return fields >= 3 && known.size >= 2;
}

/** A first line of at least two comma-separated column names (optionally quoted). */
function looksLikeCsvHeader(b: Uint8Array): boolean {
  let end = b.indexOf(0x0a);
  if (end < 0) end = b.length;
  const line = Buffer.from(b.subarray(0, end)).toString('utf8').replace(/\r$/, '');
  const cells = line.split(',');
  return cells.length >= 2 && cells.every((c) => /^\s*"?[A-Za-z_][A-Za-z0-9_ .()\-]*"?\s*$/.test(c));
}

export function detectKind(path: string): DetectedKind {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    return detectKindOfBytes(head.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}
