// The hunt pipeline: evidence files -> records -> events -> rule set -> hits, with a run summary.
import { availableParallelism } from 'node:os';
import { detectKind, type DetectedKind } from '../sources/detect.js';
import { readZipDirectory, withMember, ZIP_LIMITS } from '../sources/zip/reader.js';
import { readJsonRecords } from '../sources/json/reader.js';
import { readWinXmlEvents } from '../sources/winxml/reader.js';
import { toEvent } from '../events/normalize.js';
import type { Event, SourceKind } from '../events/model.js';
import type { RuleHit, RuleSet } from '../sigma/ruleset.js';
import type { CorrelationHit } from '../sigma/correlate.js';
import { listInputs } from '../sources/inputs.js';
import { readCsvRecords } from '../sources/csv/reader.js';
import { defenderEvent, defenderMap, isDefenderExport, tableFromColumns } from '../events/defender.js';
import { decodeFiles } from '../sources/evtx/decode-files.js';
import { describeProblem } from '../sources/evtx/types.js';
import { nestedDeeper } from '../sigma/event-view.js';
import { readExchangeLogBatches } from '../sources/exchangelog/reader.js';
import { logLineEvent, isTrackingExport, trackingExportEvent } from '../events/exchange-logs.js';
import { clixmlRecords, MAX_EXPORT_CHARS } from '../sources/exchange/cmdlet-export.js';
import { ExchangeInputError } from '../sources/exchange/model.js';
import { decodeText } from '../sources/exchange/xml.js';
import { readFileSync, statSync } from 'node:fs';
import { MailflowStage, type MailflowResult } from '../mailflow/stage.js';
import { emlEvents } from '../events/eml.js';

export interface Problem { file: string; line?: number; record?: number; message: string }

export interface HuntSummary {
  files: { total: number; read: number };
  skipped: { path: string; reason: string }[];
  unreadable: { path: string; reason: string }[];
  events: number;
  eventsByKind: Record<string, number>;
  outsideWindow: number;
  /** records that could not be used (and EVTX problems), counted; the first ones kept as samples */
  recordProblems: number;
  problems: Problem[];
  hits: number;
  correlationHits: CorrelationHit[];
  /** files taken by `claim` */
  claimed: number;
  /** the mail-flow stage's result, when message tracking or agent log events were read */
  mailflow: MailflowResult | null;
}

export interface Progress { filesDone: number; filesTotal: number; events: number; file?: string }

export interface HuntOptions {
  paths: string[];
  ruleset: RuleSet;
  from?: number;
  to?: number;
  onHit: (hit: RuleHit) => void;
  onProgress?: (p: Progress) => void;
  /**
   * Offered every non-EVTX file before it is read as events; true when it took the file (the
   * transport agent audit takes configurations, cmdlet exports, manifests and DLLs).
   */
  claim?: (path: string, name: string) => Promise<boolean>;
  /** EVTX decoding threads (0: none; default: one less than the cores, at most 3, as this thread matches) */
  threads?: number;
  /** Called for every event read (within --from/--to), before the rules see it (`tracehound export`). */
  onEvent?: (ev: Event) => void;
  /** The organisation's mail domains (--org-domain), besides those the message tracking logs show. */
  orgDomains?: string[];
  /** false: message tracking events are matched as lines only, not assembled into messages */
  mailflow?: boolean;
  /** Called for every message the mail-flow stage closes (its derived event), before the rules see it. */
  onMessage?: (ev: Event) => void;
}

export const MAX_PROBLEM_SAMPLES = 200;
/** Matching runs in this thread, so decoding workers get the other cores. */
const HUNT_THREADS = Math.max(0, Math.min(availableParallelism() - 1, 3));
/** Events whose values nest deeper than this are reported and skipped. */
export const MAX_EVENT_DEPTH = 100;
/** Archives inside archives are read this deep. */
export const MAX_ZIP_DEPTH = 2;

export async function hunt(opts: HuntOptions): Promise<HuntSummary> {
  const inputs = listInputs(opts.paths);
  const s: HuntSummary = {
    files: { total: inputs.files.length, read: 0 }, skipped: [], unreadable: inputs.unreadable,
    events: 0, eventsByKind: {}, outsideWindow: 0, recordProblems: 0, problems: [], hits: 0, correlationHits: [], claimed: 0, mailflow: null,
  };
  const problem = (p: Problem) => {
    s.recordProblems++;
    if (s.problems.length < MAX_PROBLEM_SAMPLES) s.problems.push(p);
  };
  const handle = (ev: Event) => {
    if ((opts.from !== undefined && !(ev.time >= opts.from)) || (opts.to !== undefined && !(ev.time <= opts.to))) { s.outsideWindow++; return; }
    // Reports, the case store and the web UI write events with JSON.stringify, which recurses.
    if (nestedDeeper(ev.fields, MAX_EVENT_DEPTH)) {
      const at = ev.ref.record !== undefined ? { record: ev.ref.record } : ev.ref.line !== undefined ? { line: ev.ref.line } : {};
      problem({ file: ev.ref.file, ...at, message: `values nested deeper than ${MAX_EVENT_DEPTH} levels; event skipped` });
      return;
    }
    s.events++;
    s.eventsByKind[ev.ref.kind] = (s.eventsByKind[ev.ref.kind] ?? 0) + 1;
    opts.onEvent?.(ev);
    match(ev);
    // message tracking lines also go to the mail-flow stage; the messages they close are matched as events too
    if (opts.mailflow !== false && MailflowStage.wants(ev)) for (const m of (mf.stage ??= new MailflowStage({ orgDomains: opts.orgDomains ?? [] })).push(ev)) { opts.onMessage?.(m); match(m); }
  };
  const match = (ev: Event) => { for (const h of opts.ruleset.match(ev)) { s.hits++; opts.onHit(h); } };
  const mf: { stage: MailflowStage | null } = { stage: null };
  let done = 0;
  const progress = (file?: string) => opts.onProgress?.({ filesDone: done, filesTotal: s.files.total, events: s.events, ...(file ? { file } : {}) });
  const kinds: { file: string; kind: DetectedKind }[] = [];
  for (const file of inputs.files) {
    try { kinds.push({ file, kind: detectKind(file) }); } catch (e) {
      s.unreadable.push({ path: file, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      done++;
    }
  }
  // Members of zip archives are read from temporary files but named `archive.zip!member`.
  const names = new Map<string, string>();
  const show = (path: string) => names.get(path) ?? path;
  const huntEvtx = async (batch: string[]) => {
    let n = 0;
    for await (const ev of decodeFiles(batch, { mode: 'records', defaultThreads: HUNT_THREADS, ...(opts.threads !== undefined ? { threads: opts.threads } : {}) })) {
      if (ev.kind === 'unreadable') { s.unreadable.push({ path: show(ev.path), reason: `cannot read: ${ev.message}` }); continue; }
      // A file that is not EVTX is reported once, as skipped; unused (all-zero) chunks are facts, not problems.
      const problems = ev.kind === 'file' ? (ev.header ? ev.problems : []) : ev.output.problems;
      for (const p of problems) if (p.severity !== 'info') problem({ file: show(ev.path), ...(p.record !== undefined ? { record: p.record } : {}), message: describeProblem(p) });
      if (ev.kind === 'file') {
        if (ev.header) s.files.read++;
        else s.skipped.push({ path: show(ev.path), reason: ev.problems[0]?.message ?? 'not a readable EVTX file' });
        continue;
      }
      for (const r of ev.output.records ?? []) {
        const e = toEvent(r.event, { file: show(ev.path), kind: 'evtx', record: r.recordId, offset: r.offset });
        if (e) handle(e);
        else problem({ file: show(ev.path), record: r.recordId, message: 'record has no Event element; skipped' });
        if (++n % 5000 === 0) progress(show(ev.path));
      }
    }
  };
  /** Items one at a time or in batches (a batch costs one await, not one per item). */
  const huntLines = async (file: string, items: AsyncIterable<LineItem | Iterable<LineItem>>) => {
    s.files.read++;
    let n = 0;
    const one = (it: LineItem) => {
      if (it.kind === 'error') { problem({ file, ...(it.line ? { line: it.line } : {}), message: it.message }); return; }
      if (!it.event) { problem({ file, line: it.line, message: it.why }); return; }
      handle(it.event);
      if (++n % 5000 === 0) progress(file);
    };
    for await (const it of items) {
      if (Symbol.iterator in it) for (const x of it) one(x);
      else one(it);
    }
  };
  const huntOne = async (path: string, name: string, kind: DetectedKind, depth: number): Promise<void> => {
    if (kind === 'evtx') { names.set(path, name); await huntEvtx([path]); names.delete(path); return; }
    if (kind !== 'zip' && kind !== 'empty' && opts.claim && await opts.claim(path, name)) { s.files.read++; s.claimed++; return; }
    if (kind === 'json') await huntLines(name, jsonEvents(path, name));
    else if (kind === 'xml') await huntLines(name, xmlEvents(path, name));
    else if (kind === 'csv') await huntLines(name, csvEvents(path, name));
    else if (kind === 'eml') await huntLines(name, emlEvents(path, name));
    else if (kind === 'exchangelog') await huntLines(name, exchangeLogEvents(path, name));
    else if (kind === 'clixml') await huntLines(name, clixmlEvents(path, name));
    else if (kind === 'zip') await huntZip(path, name, depth);
    else if (kind === 'empty') s.skipped.push({ path: name, reason: 'empty file' });
    else s.skipped.push({ path: name, reason: 'not a recognised evidence format (expected EVTX, event XML, JSON, JSON lines, CSV, Exchange logs, .eml, PowerShell CLIXML or zip)' });
  };
  const huntZip = async (path: string, name: string, depth: number): Promise<void> => {
    let dir;
    try { dir = readZipDirectory(path); } catch (e) { s.skipped.push({ path: name, reason: `damaged zip archive: ${(e as Error).message}` }); return; }
    for (const p of dir.problems) problem({ file: name, message: `offset ${p.offset}: ${p.message}` });
    s.files.total += dir.members.length;
    let total = 0;
    for (const m of dir.members) {
      const member = `${name}!${m.name}`;
      // Members are never written under their own names, so a hostile name cannot escape; it is reported.
      if (m.unsafeName) problem({ file: member, message: `unsafe member name (${m.unsafeName}); read from a temporary file, never extracted under that name` });
      total += m.size;
      if (total > ZIP_LIMITS.totalBytes) { s.skipped.push({ path: member, reason: `archive inflates past ${ZIP_LIMITS.totalBytes} bytes in all; the rest is not read` }); break; }
      try {
        await withMember(path, m, async (tmp) => {
          const kind = detectKind(tmp);
          if (kind === 'zip' && depth >= MAX_ZIP_DEPTH) { s.skipped.push({ path: member, reason: `archive nested more than ${MAX_ZIP_DEPTH} deep` }); return; }
          await huntOne(tmp, member, kind, depth + 1);
        });
      } catch (e) {
        s.skipped.push({ path: member, reason: (e as Error).message });
      }
      done++;
      progress(member);
    }
  };
  for (let i = 0; i < kinds.length; i++) {
    const { file, kind } = kinds[i]!;
    progress(file);
    if (kind === 'evtx') {
      // Consecutive EVTX files are decoded as one batch, so their chunks share the worker threads.
      const batch = [file];
      while (kinds[i + 1]?.kind === 'evtx') batch.push(kinds[++i]!.file);
      await huntEvtx(batch);
      done += batch.length;
      continue;
    }
    await huntOne(file, file, kind, 0);
    done++;
  }
  opts.onProgress?.({ filesDone: done, filesTotal: s.files.total, events: s.events });
  if (mf.stage) {
    // mail still open at the end of the logs: closed now, in flight or not
    for (const m of mf.stage.finish()) { opts.onMessage?.(m); match(m); }
    s.mailflow = mf.stage.result();
  }
  s.correlationHits = opts.ruleset.finish();
  return s;
}

/** A record of a line-oriented source, as an event (or why it is not one), or a read error. */
type LineItem = { kind: 'error'; line: number; message: string } | { kind: 'event'; line: number; event: Event | null; why: string };

async function* jsonEvents(path: string, file: string): AsyncGenerator<LineItem> {
  for await (const it of readJsonRecords(path)) {
    if (it.kind === 'error') { yield it; continue; }
    const kind: SourceKind = it.jsonl ? 'jsonl' : 'json';
    yield { kind: 'event', line: it.line, event: toEvent(it.value, { file, kind, line: it.line }), why: 'record is not a JSON object (or a Defender row of no known table); skipped' };
  }
}

async function* xmlEvents(path: string, file: string): AsyncGenerator<LineItem> {
  for await (const it of readWinXmlEvents(path)) {
    if (it.kind === 'error') { yield it; continue; }
    yield { kind: 'event', line: it.line, event: toEvent(it.value, { file, kind: 'xml', line: it.line }), why: 'event is empty; skipped' };
  }
}

/** Exchange Server text logs: one event per log line, in batches whose events are made as they are taken (so they die young). */
async function* exchangeLogEvents(path: string, file: string): AsyncGenerator<Iterable<LineItem>> {
  for await (const batch of readExchangeLogBatches(path)) {
    yield (function* (): Generator<LineItem> {
      for (const it of batch) {
        if (it.kind === 'error') yield it;
        else if (it.kind === 'record') yield { kind: 'event', line: it.line, event: logLineEvent(it.header, it.cells, { file, kind: 'exchangelog', line: it.line }), why: '' };
      }
    })();
  }
}

/** Export-Clixml output read whole (bounded as the cmdlet exports are), one event per object. */
async function* clixmlEvents(path: string, file: string): AsyncGenerator<LineItem> {
  let records;
  try {
    // UTF-16 doubles the bytes of the characters the CLIXML reader takes at most
    if (statSync(path).size > 2 * MAX_EXPORT_CHARS + 2) throw new ExchangeInputError(file, `larger than ${2 * MAX_EXPORT_CHARS} bytes; export fewer objects per file`);
    records = clixmlRecords(decodeText(readFileSync(path)), file);
  } catch (e) {
    if (!(e instanceof ExchangeInputError)) throw e;
    yield { kind: 'error', line: e.line ?? 0, message: e.reason };
    return;
  }
  for (const r of records) {
    yield { kind: 'event', line: r.line, event: toEvent(r.value, { file, kind: 'xml', line: r.line }), why: 'object has no properties; skipped' };
  }
}

/** CSV: Defender advanced hunting exports (table from the header), Get-MessageTrackingLog exports, otherwise flat records. */
async function* csvEvents(path: string, file: string): AsyncGenerator<LineItem> {
  let defender = false;
  let tracking = false;
  let table: string | null = null;
  const lost = new Set<string>();
  for await (const it of readCsvRecords(path)) {
    if (it.kind === 'error') { yield it; continue; }
    if (it.kind === 'header') {
      defender = isDefenderExport(it.columns);
      tracking = !defender && isTrackingExport(it.columns);
      table = defender ? tableFromColumns(defenderMap(), it.columns) : null;
      continue;
    }
    const ref = { file, kind: 'csv' as const, line: it.line };
    if (tracking) {
      const r = trackingExportEvent(it.value, ref);
      for (const col of r.lost) {
        if (lost.has(col)) continue;
        lost.add(col);
        yield {
          kind: 'error', line: it.line,
          message: `column ${col} holds a type name (${JSON.stringify(it.value[col]!.slice(0, 80))}), not its values: Export-Csv cannot write a list; ` +
            `the field is left out of every row. Export it as text: Select-Object @{n='${col}';e={$_.${col} -join ';'}}, or use ConvertTo-Json or Export-Clixml`,
        };
      }
      yield { kind: 'event', line: it.line, event: r.event, why: '' };
      continue;
    }
    const event = defender ? defenderEvent(it.value, table, ref) : toEvent(it.value, ref);
    yield { kind: 'event', line: it.line, event, why: defender ? `Defender row of no known table (ActionType '${it.value['ActionType'] ?? ''}'); skipped` : 'record is empty; skipped' };
  }
}
