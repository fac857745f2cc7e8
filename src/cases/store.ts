// The case store: hunts, their inputs, the findings they found (upserted by stable id), triage
// state with its history, notes and playbook step ticks, in one SQLite file (better-sqlite3).
//
// WAL journal and a busy timeout let `tracehound cases` read while a hunt writes; findings are
// written in transactions of RECORD_BATCH, so a hunt killed mid-write loses at most the batch in
// flight and never touches earlier hunts or triage. A hunt row is `running` until the hunt ends;
// opening the store marks `incomplete` every running hunt whose process is gone (see process.ts).
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { tracehoundHome } from '../util/home.js';
import { dirname, join, resolve } from 'node:path';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';
import { huntProcessGone, thisProcess } from './process.js';
import type { InputHash } from './hash.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../findings/model.js';

export { hashInputs, rulesetVersion, type InputHash } from './hash.js';

export const STATES = ['new', 'investigating', 'escalated', 'benign', 'confirmed'] as const;
export type TriageState = (typeof STATES)[number];
export type HuntStatus = 'running' | 'complete' | 'incomplete' | 'failed';

/** Limits on what the store accepts, with a clear error above them. */
export const LIMITS = {
  /** a note, or the note of a state change (UTF-8 bytes) */
  noteBytes: 64 * 1024,
  /** analyst name (characters) */
  analyst: 200,
  /** finding id, playbook step id (characters) */
  id: 200,
  /** one finding as JSON (UTF-8 bytes) */
  findingBytes: 16 * 1024 * 1024,
  /** the hunt's command line as JSON (bytes; longer ones are cut and marked) */
  commandLineBytes: 64 * 1024,
  /** the hunt's problems as JSON (bytes; longer lists are cut and marked) */
  problemsBytes: 256 * 1024,
  /** shortest id prefix accepted */
  idPrefix: 6,
} as const;

/** How long a statement waits for another connection's lock before failing (ms). */
const BUSY_TIMEOUT_MS = 15_000;
/** Findings per write transaction. */
export const RECORD_BATCH = 500;
/** `PRAGMA application_id` of a tracehound case store ('THCS'). */
const APPLICATION_ID = 0x54484353;

export type CaseStoreErrorCode =
  | 'no-store' | 'not-a-store' | 'schema-newer' | 'cannot-open'
  | 'unknown-id' | 'ambiguous-id' | 'bad-state' | 'bad-input' | 'too-large' | 'unknown-hunt' | 'hunt-not-running'
  | 'damaged';

export class CaseStoreError extends Error {
  constructor(message: string, readonly code: CaseStoreErrorCode) { super(message); this.name = 'CaseStoreError'; }
}

/** `$TRACEHOUND_HOME/cases.db`, or else `~/.tracehound/cases.db`. */
export function defaultCaseStorePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(tracehoundHome(env), 'cases.db');
}

export interface HuntInfo {
  toolVersion: string;
  /** rulesetVersion() of the rule paths, or null when unknown */
  rulesetVersion?: string | null;
  /** the arguments the hunt was started with */
  commandLine: string[];
}

/** What a hunt found, written when it ends (fields left out stay as they were). */
export interface HuntTotals {
  files?: { total: number; read: number };
  events?: number;
  matches?: number;
  /** null when the hunt made no findings (per-event mode) */
  findings?: number | null;
  problems?: unknown;
}

export interface HuntRecord {
  id: number;
  started_at: string;
  finished_at: string | null;
  status: HuntStatus;
  tool_version: string;
  ruleset_version: string | null;
  command_line: string[];
  pid: number;
  host_name: string;
  files_total: number | null;
  files_read: number | null;
  events: number | null;
  matches: number | null;
  findings: number | null;
  problems: unknown;
  error: string | null;
  /** findings this hunt recorded (rows of the finding <-> hunt link) */
  findings_recorded: number;
}

export interface HuntDetail extends HuntRecord { inputs: InputHash[] }

export interface FindingFilter {
  /** at least this severity */
  severity?: Severity;
  /** host name, case-insensitive; a short name also matches its FQDN */
  host?: string;
  state?: TriageState;
  /** rule id (or title) of rule findings, or check of audit findings */
  ruleOrCheck?: string;
  technique?: string;
  /** findings whose last event is at or after this time (ISO text or epoch ms) */
  from?: string | number;
  /** findings whose first event is at or before this time (ISO text or epoch ms) */
  to?: string | number;
  /** findings seen by this hunt */
  huntId?: number;
  limit?: number;
  offset?: number;
}

export interface FindingRow {
  id: string;
  title: string;
  severity: Severity;
  confidence: string;
  score: number;
  techniques: string[];
  host: string | null;
  first_seen: string | null;
  last_seen: string | null;
  count: number;
  rule_id: string | null;
  check: string | null;
  state: TriageState;
  state_changed_at: string | null;
  notes: number;
  hunts: number;
  last_hunt: number | null;
}

export interface StateChange { at: string; analyst: string; from: TriageState; to: TriageState; note: string | null }
export interface Note { id: number; at: string; analyst: string; text: string }
export interface StepTick { step_id: string; done: boolean; at: string; analyst: string }
export interface FindingHunt { hunt_id: number; started_at: string; status: HuntStatus; count: number; first_seen: string | null; last_seen: string | null }

export interface CaseInfo {
  state: TriageState;
  state_changed_at: string | null;
  state_analyst: string | null;
  /** when a hunt first recorded the finding, and last updated it */
  recorded_at: string;
  updated_at: string;
  history: StateChange[];
  notes: Note[];
  /** current tick of each playbook step ticked or unticked so far */
  steps: StepTick[];
  hunts: FindingHunt[];
}

/** A finding as the last hunt that saw it wrote it, with its case. */
export type CaseRecord = Finding & { case: CaseInfo };

interface HuntRow {
  id: number; started_at: string; finished_at: string | null; status: HuntStatus; tool_version: string; ruleset_version: string | null;
  command_line: string; pid: number; host_name: string; process_start: string | null; files_total: number | null; files_read: number | null;
  events: number | null; matches: number | null; findings: number | null; problems: string | null; error: string | null; findings_recorded: number;
}

const now = () => new Date().toISOString();
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function isState(s: unknown): s is TriageState {
  return typeof s === 'string' && (STATES as readonly string[]).includes(s);
}

export function parseState(s: string): TriageState {
  if (!isState(s)) throw new CaseStoreError(`state must be one of ${STATES.join(', ')}; got '${s}'`, 'bad-state');
  return s;
}

function checkAnalyst(a: string): string {
  const s = typeof a === 'string' ? a.trim() : '';
  if (!s) throw new CaseStoreError('analyst name is empty (give --analyst NAME or set $USER)', 'bad-input');
  if (s.length > LIMITS.analyst) throw new CaseStoreError(`analyst name is longer than ${LIMITS.analyst} characters`, 'too-large');
  if (CONTROL.test(s)) throw new CaseStoreError('analyst name contains control characters', 'bad-input');
  return s;
}

function checkText(what: string, text: string): string {
  if (typeof text !== 'string' || text.trim() === '') throw new CaseStoreError(`${what} is empty`, 'bad-input');
  const n = bytes(text);
  if (n > LIMITS.noteBytes) throw new CaseStoreError(`${what} is ${n} bytes, more than the ${LIMITS.noteBytes} allowed`, 'too-large');
  return text;
}

function isoTime(v: string | number, name: string): string {
  const t = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(t)) throw new CaseStoreError(`${name} is not a time: '${v}'`, 'bad-input');
  return new Date(t).toISOString();
}

/** JSON of `v`, lists cut (and marked) until it fits in `max` bytes. */
function boundedJson(v: unknown, max: number): string {
  let s = JSON.stringify(v ?? null);
  if (bytes(s) <= max) return s;
  const cut = (x: unknown, n: number): unknown => {
    if (Array.isArray(x)) return x.length > n ? [...x.slice(0, n).map((y) => cut(y, n)), `… ${x.length - n} more`] : x.map((y) => cut(y, n));
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, cut(y, n)]));
    if (typeof x === 'string' && x.length > 4096) return x.slice(0, 4096) + '…';
    return x;
  };
  for (let n = 100; n >= 1; n = Math.floor(n / 2)) {
    s = JSON.stringify(cut(v, n));
    if (bytes(s) <= max) return s;
  }
  return JSON.stringify({ truncated: true, bytes: bytes(JSON.stringify(v)) });
}

function globEscape(s: string): string {
  return s.replace(/[[\]*?]/g, (c) => `[${c}]`);
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function sqliteCode(e: unknown): string | undefined {
  return (e as { code?: unknown }).code as string | undefined;
}

/** True for SQLite's "the file is damaged" errors (SQLITE_CORRUPT and its extended codes, SQLITE_NOTADB). */
function isDamage(e: unknown): boolean {
  const code = sqliteCode(e);
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** The damage as a CaseStoreError: what SQLite said, the first problems `PRAGMA quick_check` finds, and what to do. */
function damaged(db: Database.Database, file: string, e: unknown): CaseStoreError {
  let problems = '';
  try {
    const rows = (db.pragma('quick_check(3)') as { quick_check: string }[]).map((r) => r.quick_check).filter((x) => x !== 'ok');
    if (rows.length) problems = `; quick_check: ${rows.join('; ')}`;
  } catch { /* the check itself cannot read the file */ }
  return new CaseStoreError(`the case store ${file} is damaged (${(e as Error).message}${problems}); ` +
    `'tracehound cases export' writes every readable finding and lists the damaged ones (see README, "Salvaging a damaged case store")`, 'damaged');
}

export interface OpenOptions {
  /** fail with a clear error (code `no-store`) instead of creating the file */
  mustExist?: boolean;
}

/** Open (creating and migrating as needed) the case store at `path` (default: defaultCaseStorePath()). */
export function openCaseStore(path?: string, opts: OpenOptions = {}): CaseStore {
  const file = path ?? defaultCaseStorePath();
  if (file === '') throw new CaseStoreError('the case store path is empty', 'bad-input');
  const memory = file === ':memory:';
  const created = !memory && !existsSync(file);
  if (created && opts.mustExist) throw new CaseStoreError(`no case store at ${file} (a hunt creates it; or give --db FILE)`, 'no-store');
  if (created) {
    try {
      mkdirSync(dirname(resolve(file)), { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new CaseStoreError(`cannot create the folder of the case store ${file}: ${(e as Error).message}`, 'cannot-open');
    }
  }
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  } catch (e) {
    const msg = (e as Error).message;
    // better-sqlite3 installed without its native build (offline, no compiler): say how to get one
    const native = /bindings file|NODE_MODULE_VERSION|better_sqlite3\.node|ERR_DLOPEN_FAILED/.test(msg)
      ? ` (the SQLite module better-sqlite3 has no native build for this Node ${process.version}: run 'npm rebuild better-sqlite3' with a C++ toolchain, or install the release tarball, README "Install")` : '';
    throw new CaseStoreError(`cannot open the case store ${file}: ${msg.split('\n')[0]}${native}`, 'cannot-open');
  }
  try {
    if (created) { try { chmodSync(file, 0o600); } catch { /* not ours to insist */ } }
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, file);
    return new CaseStore(db, file);
  } catch (e) {
    db.close();
    if (e instanceof CaseStoreError) throw e;
    const code = sqliteCode(e);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') throw new CaseStoreError(`${file} is not a tracehound case store (${(e as Error).message})`, 'not-a-store');
    throw new CaseStoreError(`cannot open the case store ${file}: ${(e as Error).message}`, 'cannot-open');
  }
}

function migrate(db: Database.Database, file: string): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const appId = () => db.pragma('application_id', { simple: true }) as number;
  // Up to date: no write lock needed (readers open while a hunt writes).
  if (version() === SCHEMA_VERSION && appId() === APPLICATION_ID) return;
  const newer = (v: number) => new CaseStoreError(`the case store ${file} has schema version ${v}, newer than this tracehound understands ` +
    `(${SCHEMA_VERSION}); use a newer tracehound or another --db`, 'schema-newer');
  if (version() > SCHEMA_VERSION) throw newer(version());
  // Otherwise check and migrate under the write lock (IMMEDIATE): one process migrates, the others
  // wait (busy timeout) and then find it done. All steps are one transaction, so a process killed
  // while migrating leaves the previous version.
  db.transaction(() => {
    const v = version();
    if (v > SCHEMA_VERSION) throw newer(v);
    if (appId() !== APPLICATION_ID && (v > 0 || (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n > 0)) {
      throw new CaseStoreError(`${file} is an SQLite database but not a tracehound case store`, 'not-a-store');
    }
    for (let i = v; i < SCHEMA_VERSION; i++) {
      MIGRATIONS[i]!(db);
      db.pragma(`user_version = ${i + 1}`);
    }
    if (v === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
  }).immediate();
}

const SEVERITIES = Object.keys(SEVERITY_RANK) as Severity[];

export class CaseStore {
  /** running hunts found with their process gone when the store was opened */
  readonly recovered: { id: number; reason: string }[] = [];

  constructor(private readonly db: Database.Database, readonly path: string) {
    // Every method reports a damaged file as a CaseStoreError (code 'damaged'), never as an SqliteError.
    for (const name of Object.getOwnPropertyNames(CaseStore.prototype)) {
      const f = Object.getOwnPropertyDescriptor(CaseStore.prototype, name)?.value as unknown;
      if (typeof f !== 'function' || name === 'constructor') continue;
      Object.defineProperty(this, name, {
        value: (...args: unknown[]) => {
          try { return (f as (...a: unknown[]) => unknown).apply(this, args); } catch (e) { throw isDamage(e) ? damaged(db, path, e) : e; }
        },
      });
    }
    this.recover();
  }

  /** Marks `incomplete` every running hunt whose process is gone. Best effort: a read-only store is left as it is. */
  private recover(): void {
    const running = this.db.prepare(`SELECT id, pid, host_name, process_start, started_at FROM hunts WHERE status = 'running'`).all() as
      { id: number; pid: number; host_name: string; process_start: string | null; started_at: string }[];
    const mark = this.db.prepare(`UPDATE hunts SET status = 'incomplete', error = ? WHERE id = ? AND status = 'running'`);
    for (const h of running) {
      const why = huntProcessGone(h);
      if (!why) continue;
      try {
        if (mark.run(`${why} (found ${now()})`, h.id).changes) this.recovered.push({ id: h.id, reason: why });
      } catch (e) {
        const code = sqliteCode(e);
        if (code === 'SQLITE_READONLY' || code === 'SQLITE_BUSY') return;
        throw e;
      }
    }
  }

  // ---- hunts ----

  /** A new hunt, status `running`, owned by this process. */
  beginHunt(info: HuntInfo): number {
    if (typeof info.toolVersion !== 'string' || !info.toolVersion) throw new CaseStoreError('beginHunt needs the tool version', 'bad-input');
    let cmd = JSON.stringify(info.commandLine ?? []);
    if (bytes(cmd) > LIMITS.commandLineBytes) {
      const kept: string[] = [];
      let size = 2;
      for (const a of info.commandLine) { size += bytes(JSON.stringify(a)) + 1; if (size > LIMITS.commandLineBytes - 64) break; kept.push(a); }
      cmd = JSON.stringify([...kept, `… ${info.commandLine.length - kept.length} more arguments`]);
    }
    const p = thisProcess();
    const r = this.db.prepare(`INSERT INTO hunts (started_at, status, tool_version, ruleset_version, command_line, pid, host_name, process_start)
      VALUES (?, 'running', ?, ?, ?, ?, ?, ?)`).run(now(), info.toolVersion, info.rulesetVersion ?? null, cmd, p.pid, p.host_name, p.process_start);
    return Number(r.lastInsertRowid);
  }

  private huntStatus(huntId: number): HuntStatus {
    const row = this.db.prepare('SELECT status FROM hunts WHERE id = ?').get(huntId) as { status: HuntStatus } | undefined;
    if (!row) throw new CaseStoreError(`no hunt ${huntId}`, 'unknown-hunt');
    return row.status;
  }

  /** The evidence files of a hunt, with size and SHA-256 (hashInputs). */
  recordInputs(huntId: number, inputs: InputHash[]): void {
    this.huntStatus(huntId);
    const ins = this.db.prepare(`INSERT INTO hunt_inputs (hunt_id, path, size, sha256, error) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (hunt_id, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, error = excluded.error`);
    const write = this.db.transaction((batch: InputHash[]) => {
      for (const i of batch) ins.run(huntId, i.path, i.size, i.sha256, i.error ?? null);
    });
    for (let k = 0; k < inputs.length; k += RECORD_BATCH) write(inputs.slice(k, k + RECORD_BATCH));
  }

  /**
   * Upserts findings by id (same id: the hunt-written columns and JSON take the new hunt's values;
   * triage, notes and ticks are kept) and links them to the hunt, RECORD_BATCH per transaction.
   * Returns the number written.
   */
  recordFindings(huntId: number, findings: Iterable<Finding>): number {
    const status = this.huntStatus(huntId);
    if (status !== 'running') throw new CaseStoreError(`hunt ${huntId} is ${status}, not running; findings are recorded only while a hunt runs`, 'hunt-not-running');
    const upsert = this.db.prepare(`INSERT INTO findings (id, title, severity, severity_rank, confidence, score, host, first_seen, last_seen, count, rule_id, "check", data, recorded_at, updated_at)
      VALUES (@id, @title, @severity, @rank, @confidence, @score, @host, @first_seen, @last_seen, @count, @rule_id, @check, @data, @at, @at)
      ON CONFLICT (id) DO UPDATE SET title = excluded.title, severity = excluded.severity, severity_rank = excluded.severity_rank,
        confidence = excluded.confidence, score = excluded.score, host = excluded.host, first_seen = excluded.first_seen,
        last_seen = excluded.last_seen, count = excluded.count, rule_id = excluded.rule_id, "check" = excluded."check",
        data = excluded.data, updated_at = excluded.updated_at`);
    const triage = this.db.prepare(`INSERT OR IGNORE INTO triage (finding_id) VALUES (?)`);
    const delTech = this.db.prepare('DELETE FROM finding_techniques WHERE finding_id = ?');
    const addTech = this.db.prepare('INSERT OR IGNORE INTO finding_techniques (finding_id, technique) VALUES (?, ?)');
    const link = this.db.prepare(`INSERT INTO finding_hunts (finding_id, hunt_id, count, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (finding_id, hunt_id) DO UPDATE SET count = excluded.count, first_seen = excluded.first_seen, last_seen = excluded.last_seen`);
    const write = this.db.transaction((batch: { f: Finding; data: string }[]) => {
      const at = now();
      for (const { f, data } of batch) {
        upsert.run({
          id: f.id, title: f.title, severity: f.severity, rank: SEVERITY_RANK[f.severity], confidence: f.confidence, score: f.score,
          host: f.host ?? null, first_seen: f.first_seen ?? null, last_seen: f.last_seen ?? null, count: f.count,
          rule_id: f.rule_id ?? null, check: f.check ?? null, data, at,
        });
        triage.run(f.id);
        delTech.run(f.id);
        for (const t of f.techniques ?? []) addTech.run(f.id, t);
        link.run(f.id, huntId, f.count, f.first_seen ?? null, f.last_seen ?? null);
      }
    });
    let batch: { f: Finding; data: string }[] = [];
    let n = 0;
    for (const f of findings) {
      batch.push({ f, data: checkFinding(f) });
      if (batch.length >= RECORD_BATCH) { write(batch); n += batch.length; batch = []; }
    }
    if (batch.length) { write(batch); n += batch.length; }
    return n;
  }

  /** The hunt ended: status `complete`, with its totals. */
  finishHunt(huntId: number, totals: HuntTotals = {}): void {
    this.endHunt(huntId, 'complete', totals, null);
  }

  /** The hunt stopped on an error: status `failed`, with the error and whatever totals are known. */
  failHunt(huntId: number, error: unknown, totals: HuntTotals = {}): void {
    const msg = error instanceof Error ? error.message : String(error);
    this.endHunt(huntId, 'failed', totals, msg.length > 4096 ? msg.slice(0, 4096) + '…' : msg);
  }

  private endHunt(huntId: number, status: HuntStatus, t: HuntTotals, error: string | null): void {
    const cur = this.huntStatus(huntId);
    if (cur === 'complete' || cur === 'failed') throw new CaseStoreError(`hunt ${huntId} has already ended (${cur})`, 'hunt-not-running');
    this.db.prepare(`UPDATE hunts SET status = @status, finished_at = @at, error = @error,
        files_total = COALESCE(@files_total, files_total), files_read = COALESCE(@files_read, files_read),
        events = COALESCE(@events, events), matches = COALESCE(@matches, matches),
        findings = CASE WHEN @has_findings THEN @findings ELSE findings END, problems = COALESCE(@problems, problems)
      WHERE id = @id`).run({
      id: huntId, status, at: now(), error,
      files_total: t.files?.total ?? null, files_read: t.files?.read ?? null, events: t.events ?? null, matches: t.matches ?? null,
      has_findings: t.findings !== undefined ? 1 : 0, findings: t.findings ?? null,
      problems: t.problems !== undefined ? boundedJson(t.problems, LIMITS.problemsBytes) : null,
    });
  }

  private static huntSelect = `SELECT h.*, (SELECT count(*) FROM finding_hunts fh WHERE fh.hunt_id = h.id) AS findings_recorded FROM hunts h`;

  private huntRecord(r: HuntRow): HuntRecord {
    let cmd: string[] = [];
    try { cmd = JSON.parse(r.command_line) as string[]; } catch { /* kept empty */ }
    let problems: unknown = null;
    if (r.problems) { try { problems = JSON.parse(r.problems); } catch { problems = r.problems; } }
    return {
      id: r.id, started_at: r.started_at, finished_at: r.finished_at, status: r.status, tool_version: r.tool_version,
      ruleset_version: r.ruleset_version, command_line: cmd, pid: r.pid, host_name: r.host_name,
      files_total: r.files_total, files_read: r.files_read, events: r.events, matches: r.matches, findings: r.findings,
      problems, error: r.error, findings_recorded: r.findings_recorded,
    };
  }

  /** Every hunt, newest first. */
  listHunts(): HuntRecord[] {
    return (this.db.prepare(`${CaseStore.huntSelect} ORDER BY h.id DESC`).all() as HuntRow[]).map((r) => this.huntRecord(r));
  }

  getHunt(id: number): HuntDetail | null {
    const r = this.db.prepare(`${CaseStore.huntSelect} WHERE h.id = ?`).get(id) as HuntRow | undefined;
    if (!r) return null;
    const inputs = (this.db.prepare('SELECT path, size, sha256, error FROM hunt_inputs WHERE hunt_id = ? ORDER BY rowid').all(id) as
      { path: string; size: number | null; sha256: string | null; error: string | null }[])
      .map((i): InputHash => ({ path: i.path, size: i.size, sha256: i.sha256, ...(i.error ? { error: i.error } : {}) }));
    return { ...this.huntRecord(r), inputs };
  }

  // ---- findings ----

  /**
   * The finding whose id is `idOrPrefix`, or the one finding whose id starts with it (at least
   * LIMITS.idPrefix characters). Throws `unknown-id` or `ambiguous-id`.
   */
  resolveId(idOrPrefix: string): string {
    const p = String(idOrPrefix ?? '').trim();
    if (!p) throw new CaseStoreError('no finding id given', 'bad-input');
    const exact = this.db.prepare('SELECT id FROM findings WHERE id = ?').pluck();
    if (exact.get(p) !== undefined) return p;
    if (p.length < LIMITS.idPrefix) throw new CaseStoreError(`no finding '${p}' (give the whole id, or at least ${LIMITS.idPrefix} characters of it)`, 'unknown-id');
    const byPrefix = this.db.prepare('SELECT id FROM findings WHERE id GLOB ? ORDER BY id LIMIT 6').pluck();
    let ids = byPrefix.all(globEscape(p) + '*') as string[];
    if (ids.length === 0 && p !== p.toLowerCase()) ids = byPrefix.all(globEscape(p.toLowerCase()) + '*') as string[];
    if (ids.length === 1) return ids[0]!;
    if (ids.length === 0) throw new CaseStoreError(`no finding with id '${p}' or starting with it`, 'unknown-id');
    throw new CaseStoreError(`'${p}' is the start of several findings (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}); give more of the id`, 'ambiguous-id');
  }

  private where(f: FindingFilter): { sql: string; params: unknown[] } {
    const cond: string[] = [];
    const params: unknown[] = [];
    if (f.severity !== undefined) {
      if (!SEVERITIES.includes(f.severity)) throw new CaseStoreError(`severity must be one of ${SEVERITIES.join(', ')}; got '${f.severity}'`, 'bad-input');
      cond.push('f.severity_rank >= ?'); params.push(SEVERITY_RANK[f.severity]);
    }
    if (f.host !== undefined) {
      cond.push(`(f.host = ? COLLATE NOCASE OR f.host LIKE ? ESCAPE '\\')`); params.push(f.host, likeEscape(f.host) + '.%');
    }
    if (f.state !== undefined) { cond.push(`COALESCE(t.state, 'new') = ?`); params.push(parseState(f.state)); }
    if (f.ruleOrCheck !== undefined) { cond.push('(f.rule_id = ? OR f."check" = ?)'); params.push(f.ruleOrCheck, f.ruleOrCheck); }
    if (f.technique !== undefined) {
      cond.push('EXISTS (SELECT 1 FROM finding_techniques ft WHERE ft.finding_id = f.id AND ft.technique = ? COLLATE NOCASE)'); params.push(f.technique);
    }
    if (f.from !== undefined) { cond.push('f.last_seen >= ?'); params.push(isoTime(f.from, 'from')); }
    if (f.to !== undefined) { cond.push('f.first_seen <= ?'); params.push(isoTime(f.to, 'to')); }
    if (f.huntId !== undefined) {
      cond.push('EXISTS (SELECT 1 FROM finding_hunts fh WHERE fh.finding_id = f.id AND fh.hunt_id = ?)'); params.push(f.huntId);
    }
    let sql = cond.length ? ` WHERE ${cond.join(' AND ')}` : '';
    sql += ` ORDER BY f.severity_rank DESC, f.score DESC, f.first_seen IS NULL, f.first_seen, f.id`;
    for (const [k, v] of [['limit', f.limit], ['offset', f.offset]] as const) {
      if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new CaseStoreError(`${k} must be a whole number; got '${v}'`, 'bad-input');
    }
    if (f.limit !== undefined || f.offset !== undefined) { sql += ' LIMIT ? OFFSET ?'; params.push(f.limit ?? -1, f.offset ?? 0); }
    return { sql, params };
  }

  /** Findings with their triage state, most severe first. */
  listFindings(filter: FindingFilter = {}): FindingRow[] {
    const { sql, params } = this.where(filter);
    const rows = this.db.prepare(`SELECT f.id, f.title, f.severity, f.confidence, f.score, json_extract(f.data, '$.techniques') AS techniques,
        f.host, f.first_seen, f.last_seen, f.count, f.rule_id, f."check" AS "check", COALESCE(t.state, 'new') AS state, t.changed_at AS state_changed_at,
        (SELECT count(*) FROM notes n WHERE n.finding_id = f.id) AS notes,
        (SELECT count(*) FROM finding_hunts fh WHERE fh.finding_id = f.id) AS hunts,
        (SELECT max(hunt_id) FROM finding_hunts fh WHERE fh.finding_id = f.id) AS last_hunt
      FROM findings f LEFT JOIN triage t ON t.finding_id = f.id${sql}`).all(...params) as (Omit<FindingRow, 'techniques'> & { techniques: string | null })[];
    return rows.map((r) => ({ ...r, techniques: r.techniques ? JSON.parse(r.techniques) as string[] : [] }));
  }

  /** One finding (exact id) with state, history, notes, step ticks and the hunts that saw it; null when unknown. */
  getFinding(id: string): CaseRecord | null {
    const r = this.db.prepare(`SELECT f.data, f.recorded_at, f.updated_at, COALESCE(t.state, 'new') AS state, t.changed_at, t.analyst
      FROM findings f LEFT JOIN triage t ON t.finding_id = f.id WHERE f.id = ?`).get(id) as
      { data: string; recorded_at: string; updated_at: string; state: TriageState; changed_at: string | null; analyst: string | null } | undefined;
    if (!r) return null;
    let finding: Finding;
    try { finding = JSON.parse(r.data) as Finding; } catch (e) {
      throw new CaseStoreError(`finding ${id} in the case store ${this.path} is damaged: its stored data is not JSON (${(e as Error).message})`, 'damaged');
    }
    const history = this.db.prepare(`SELECT at, analyst, from_state AS "from", to_state AS "to", note FROM triage_history WHERE finding_id = ? ORDER BY id`).all(id) as StateChange[];
    const notes = this.db.prepare('SELECT id, at, analyst, text FROM notes WHERE finding_id = ? ORDER BY id').all(id) as Note[];
    const steps = (this.db.prepare(`SELECT s.step_id, s.done, s.at, s.analyst FROM step_ticks s
      WHERE s.finding_id = ? AND s.id = (SELECT max(id) FROM step_ticks s2 WHERE s2.finding_id = s.finding_id AND s2.step_id = s.step_id)
      ORDER BY s.step_id`).all(id) as { step_id: string; done: number; at: string; analyst: string }[]).map((s) => ({ ...s, done: s.done === 1 }));
    const hunts = this.db.prepare(`SELECT h.id AS hunt_id, h.started_at, h.status, fh.count, fh.first_seen, fh.last_seen
      FROM finding_hunts fh JOIN hunts h ON h.id = fh.hunt_id WHERE fh.finding_id = ? ORDER BY h.id`).all(id) as FindingHunt[];
    return {
      ...finding,
      case: { state: r.state, state_changed_at: r.changed_at, state_analyst: r.analyst, recorded_at: r.recorded_at, updated_at: r.updated_at, history, notes, steps, hunts },
    };
  }

  private mustExist(id: string): void {
    if (this.db.prepare('SELECT 1 FROM findings WHERE id = ?').get(id) === undefined) throw new CaseStoreError(`no finding '${id}'`, 'unknown-id');
  }

  /** Sets a finding's triage state and records the change (even to the same state: the note is kept). */
  setState(id: string, state: TriageState, analyst: string, note?: string): { from: TriageState; to: TriageState } {
    const to = parseState(state);
    const who = checkAnalyst(analyst);
    const text = note === undefined || note === '' ? null : checkText('the note', note);
    return this.db.transaction(() => {
      this.mustExist(id);
      const cur = this.db.prepare(`SELECT state FROM triage WHERE finding_id = ?`).pluck().get(id) as TriageState | undefined;
      const from = cur ?? 'new';
      const at = now();
      this.db.prepare(`INSERT INTO triage (finding_id, state, changed_at, analyst) VALUES (?, ?, ?, ?)
        ON CONFLICT (finding_id) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at, analyst = excluded.analyst`).run(id, to, at, who);
      this.db.prepare('INSERT INTO triage_history (finding_id, at, analyst, from_state, to_state, note) VALUES (?, ?, ?, ?, ?, ?)').run(id, at, who, from, to, text);
      return { from, to };
    }).immediate();
  }

  /** Adds a note to a finding; returns its id. */
  addNote(id: string, analyst: string, text: string): number {
    const who = checkAnalyst(analyst);
    const t = checkText('the note', text);
    return this.db.transaction(() => {
      this.mustExist(id);
      return Number(this.db.prepare('INSERT INTO notes (finding_id, at, analyst, text) VALUES (?, ?, ?, ?)').run(id, now(), who, t).lastInsertRowid);
    }).immediate();
  }

  /** Ticks (done) or unticks a playbook step of a finding; the step must be one of the finding's playbook steps. */
  tickStep(id: string, stepId: string, done: boolean, analyst: string): void {
    const who = checkAnalyst(analyst);
    if (typeof stepId !== 'string' || !stepId || stepId.length > LIMITS.id) throw new CaseStoreError(`playbook step id must be 1 to ${LIMITS.id} characters`, 'bad-input');
    this.db.transaction(() => {
      const data = this.db.prepare('SELECT data FROM findings WHERE id = ?').pluck().get(id) as string | undefined;
      if (data === undefined) throw new CaseStoreError(`no finding '${id}'`, 'unknown-id');
      const steps = (JSON.parse(data) as Finding).playbook ?? [];
      if (!steps.some((s) => s.id === stepId)) {
        throw new CaseStoreError(`finding ${id} has no playbook step '${stepId}'${steps.length ? ` (its steps: ${steps.map((s) => s.id).join(', ')})` : ' (it has no playbook steps)'}`, 'bad-input');
      }
      this.db.prepare('INSERT INTO step_ticks (finding_id, step_id, done, at, analyst) VALUES (?, ?, ?, ?, ?)').run(id, stepId, done ? 1 : 0, now(), who);
    }).immediate();
  }

  /**
   * Every finding that meets `filter` with its case (as getFinding gives it), most severe first, to
   * `write`, read in one snapshot (a hunt writing meanwhile is not half-seen). Returns the count.
   */
  export(write: (r: CaseRecord) => void, filter: FindingFilter = {}, onDamaged?: (id: string, message: string) => void): number {
    return this.db.transaction(() => {
      const { sql, params } = this.where(filter);
      const ids = this.db.prepare(`SELECT f.id FROM findings f LEFT JOIN triage t ON t.finding_id = f.id${sql}`).pluck().all(...params) as string[];
      let n = 0;
      for (const id of ids) {
        let r: CaseRecord | null;
        try { r = this.getFinding(id); } catch (e) {
          // one damaged row is reported and skipped; the readable ones are still exported
          const cause = e instanceof CaseStoreError && e.code === 'damaged' ? e : isDamage(e) ? e as Error : null;
          if (!cause || !onDamaged) throw e;
          onDamaged(id, cause.message);
          continue;
        }
        if (r) { write(r); n++; }
      }
      return n;
    })();
  }

  /** Database self-check (`PRAGMA integrity_check`): 'ok' or the problems found. */
  integrityCheck(): string {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('\n');
  }

  /** The schema version of the open database. */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The finding as JSON, after checking what the store relies on. */
function checkFinding(f: Finding): string {
  const bad = (why: string) => new CaseStoreError(`cannot record finding ${typeof f?.id === 'string' ? f.id.slice(0, LIMITS.id) : '(no id)'}: ${why}`, 'bad-input');
  if (!f || typeof f !== 'object') throw bad('not an object');
  if (typeof f.id !== 'string' || !f.id || f.id.length > LIMITS.id || CONTROL.test(f.id)) throw bad(`id must be 1 to ${LIMITS.id} printable characters`);
  if (typeof f.title !== 'string') throw bad('no title');
  if (!SEVERITIES.includes(f.severity)) throw bad(`severity '${String(f.severity)}'`);
  if (typeof f.score !== 'number' || !Number.isFinite(f.score)) throw bad('score is not a number');
  if (!Number.isInteger(f.count) || f.count < 0) throw bad('count is not a whole number');
  const data = JSON.stringify(f);
  const n = bytes(data);
  if (n > LIMITS.findingBytes) throw new CaseStoreError(`cannot record finding ${f.id}: it is ${n} bytes as JSON, more than the ${LIMITS.findingBytes} allowed`, 'too-large');
  return data;
}
