// What kind of evidence a file holds, decided from its first bytes, never from its name.
import { openSync, readSync, closeSync } from 'node:fs';

export type DetectedKind = 'evtx' | 'json' | 'empty' | 'unknown';

const EVTX_MAGIC = Buffer.from('ElfFile\0', 'latin1');

export function detectKindOfBytes(head: Uint8Array): DetectedKind {
  if (head.length === 0) return 'empty';
  if (head.length >= 8 && Buffer.from(head.subarray(0, 8)).equals(EVTX_MAGIC)) return 'evtx';
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (i === head.length) return 'empty';
  if (head[i] === 0x7b /* { */ || head[i] === 0x5b /* [ */) return 'json';
  return 'unknown';
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
