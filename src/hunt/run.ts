// The hunt pipeline: evidence files -> records -> events -> rule set -> hits, with a run summary.
import { detectKind } from '../sources/detect.js';
import { readJsonRecords } from '../sources/json/reader.js';
import { toEvent } from '../events/normalize.js';
import type { Event, SourceKind } from '../events/model.js';
import type { RuleHit, RuleSet } from '../sigma/ruleset.js';
import type { CorrelationHit } from '../sigma/correlate.js';
import { listInputs } from './inputs.js';

export interface Problem { file: string; line?: number; record?: number; message: string }

export interface HuntSummary {
  files: { total: number; read: number };
  skipped: { path: string; reason: string }[];
  unreadable: { path: string; reason: string }[];
  events: number;
  eventsByKind: Record<string, number>;
  outsideWindow: number;
  /** records that could not be used, counted per file; the first ones kept as samples */
  recordProblems: number;
  problems: Problem[];
  hits: number;
  correlationHits: CorrelationHit[];
}

export interface Progress { filesDone: number; filesTotal: number; events: number; file?: string }

export interface HuntOptions {
  paths: string[];
  ruleset: RuleSet;
  from?: number;
  to?: number;
  onHit: (hit: RuleHit) => void;
  onProgress?: (p: Progress) => void;
}

export const MAX_PROBLEM_SAMPLES = 200;

export async function hunt(opts: HuntOptions): Promise<HuntSummary> {
  const inputs = listInputs(opts.paths);
  const s: HuntSummary = {
    files: { total: inputs.files.length, read: 0 }, skipped: [], unreadable: inputs.unreadable,
    events: 0, eventsByKind: {}, outsideWindow: 0, recordProblems: 0, problems: [], hits: 0, correlationHits: [],
  };
  const problem = (p: Problem) => {
    s.recordProblems++;
    if (s.problems.length < MAX_PROBLEM_SAMPLES) s.problems.push(p);
  };
  const handle = (ev: Event) => {
    if ((opts.from !== undefined && !(ev.time >= opts.from)) || (opts.to !== undefined && !(ev.time <= opts.to))) { s.outsideWindow++; return; }
    s.events++;
    s.eventsByKind[ev.ref.kind] = (s.eventsByKind[ev.ref.kind] ?? 0) + 1;
    for (const h of opts.ruleset.match(ev)) { s.hits++; opts.onHit(h); }
  };
  let done = 0;
  for (const file of inputs.files) {
    opts.onProgress?.({ filesDone: done, filesTotal: inputs.files.length, events: s.events, file });
    let kind;
    try { kind = detectKind(file); } catch (e) {
      s.unreadable.push({ path: file, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    if (kind === 'json') {
      s.files.read++;
      let n = 0;
      for await (const it of readJsonRecords(file)) {
        if (it.kind === 'error') { problem({ file, ...(it.line ? { line: it.line } : {}), message: it.message }); continue; }
        const kind: SourceKind = it.jsonl ? 'jsonl' : 'json';
        const ev = toEvent(it.value, { file, kind, line: it.line });
        if (!ev) { problem({ file, line: it.line, message: 'record is not a JSON object; skipped' }); continue; }
        handle(ev);
        if (++n % 5000 === 0) opts.onProgress?.({ filesDone: done, filesTotal: inputs.files.length, events: s.events, file });
      }
    } else if (kind === 'evtx') {
      s.skipped.push({ path: file, reason: 'EVTX file: binary EVTX decoding is not available in this version' });
    } else if (kind === 'empty') {
      s.skipped.push({ path: file, reason: 'empty file' });
    } else {
      s.skipped.push({ path: file, reason: 'not a recognised evidence format (expected JSON/JSON lines)' });
    }
    done++;
  }
  opts.onProgress?.({ filesDone: done, filesTotal: inputs.files.length, events: s.events });
  s.correlationHits = opts.ruleset.finish();
  return s;
}
