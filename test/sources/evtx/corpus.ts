// The shared EVTX corpus: manifest rows and helpers for the corpus tests.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPORA } from '../../support/corpora.js';
import { readEvtxSync } from '../../../src/sources/evtx/reader.js';
import type { DecodeOptions, EvtxProblem, EvtxRecord } from '../../../src/sources/evtx/types.js';

export interface ManifestRow {
  path: string;
  bytes: number;
  hdrChunks: number;
  walkRecords: number;
  libevtxRc: number;
  libevtxEvents: number;
  /** "N ok / M err" or "N items incl. errors" */
  evtxRsExpected: string;
}

export const MANIFEST = join(CORPORA, 'evtx-manifest.tsv');

export function manifest(): ManifestRow[] {
  if (!existsSync(MANIFEST)) return [];
  const lines = readFileSync(MANIFEST, 'utf8').trim().split('\n');
  const head = lines.shift()!.split('\t');
  const col = (r: string[], name: string): string => r[head.indexOf(name)] ?? '';
  return lines.map((l) => {
    const r = l.split('\t');
    return {
      path: col(r, 'path'),
      bytes: Number(col(r, 'bytes')),
      hdrChunks: Number(col(r, 'hdr_chunks')),
      walkRecords: Number(col(r, 'walk_records')),
      libevtxRc: Number(col(r, 'libevtx_rc')),
      libevtxEvents: Number(col(r, 'libevtx_events')),
      evtxRsExpected: col(r, 'evtx_rs_expected'),
    };
  });
}

/** The evtx-rs "N ok" number, or null. ("336 items incl. errors" means 335 ok and one error.) */
export function evtxRsOk(expected: string): number | null {
  let m = /^(\d+) ok/.exec(expected);
  if (m) return Number(m[1]);
  m = /^(\d+) items incl\. errors/.exec(expected);
  if (m) return Number(m[1]) - 1;
  return null;
}

export function decodeFile(rel: string, opts: DecodeOptions = {}): { records: EvtxRecord[]; problems: EvtxProblem[] } {
  const records: EvtxRecord[] = [];
  const problems: EvtxProblem[] = [];
  for (const it of readEvtxSync(join(CORPORA, rel), opts)) {
    if ('chunk' in it) {
      for (const r of it.chunk.records) records.push(r);
      problems.push(...it.chunk.problems);
    } else problems.push(...it.problems);
  }
  return { records, problems };
}

/** "evtx/evtx-attack-samples/x/y.evtx" -> "evtx/evtx-attack-samples" */
export function groupOf(rel: string): string {
  const parts = rel.split('/');
  return parts[0] === 'evtx' ? parts.slice(0, 2).join('/') : parts[0]!;
}
