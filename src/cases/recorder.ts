// What `tracehound hunt` writes to the case store: a hunt row at the start (with the evidence files'
// sizes and SHA-256), the findings at the end, and the totals. The store is optional at run time:
// when it cannot be opened or written, one warning is printed and the hunt goes on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCaseStore, type CaseStore, type HuntTotals } from './store.js';
import { hashInputs, rulesetVersion } from './hash.js';
import type { HuntSummary } from '../hunt/run.js';
import type { Finding } from '../findings/model.js';
import type { Placeholders } from '../sigma/modifiers.js';
import { packageRoot } from '../util/package-root.js';

/** Samples of each problem list kept in a hunt's row. */
const PROBLEM_SAMPLES = 50;

export function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch { return 'unknown'; }
}

/** A hunt's totals for the store, from the run summary. */
export function huntTotals(s: HuntSummary, findings: number | null, extra: { rulesLoaded?: number; rulesFailed?: number; ruleProblems?: string[]; auditProblems?: string[] } = {}): HuntTotals {
  return {
    files: { total: s.files.total, read: s.files.read },
    events: s.events,
    matches: s.hits + s.correlationHits.length,
    findings,
    problems: {
      unreadable: s.unreadable.slice(0, PROBLEM_SAMPLES),
      skipped: s.skipped.length,
      skipped_samples: s.skipped.slice(0, PROBLEM_SAMPLES),
      record_problems: s.recordProblems,
      record_samples: s.problems.slice(0, PROBLEM_SAMPLES),
      outside_window: s.outsideWindow,
      events_by_kind: s.eventsByKind,
      ...(extra.rulesLoaded !== undefined ? { rules_loaded: extra.rulesLoaded } : {}),
      ...(extra.rulesFailed !== undefined ? { rules_failed: extra.rulesFailed } : {}),
      ...(extra.ruleProblems?.length ? { rule_problems: extra.ruleProblems.slice(0, PROBLEM_SAMPLES) } : {}),
      ...(extra.auditProblems?.length ? { audit_problems: extra.auditProblems.slice(0, PROBLEM_SAMPLES) } : {}),
    },
  };
}

export interface RecorderOptions {
  /** --db FILE (default: the default store path) */
  db?: string;
  /** --no-db */
  disabled?: boolean;
  quiet?: boolean;
  /** where warnings and notes go (default: standard error) */
  log?: (msg: string) => void;
}

export class HuntRecorder {
  private store: CaseStore | null = null;
  private huntId: number | null = null;
  private warned = false;
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: RecorderOptions = {}) {
    this.log = opts.log ?? ((m) => process.stderr.write(m + '\n'));
  }

  /** The hunt's id in the store (null when not recording). */
  get id(): number | null { return this.huntId; }
  get path(): string | null { return this.store?.path ?? null; }

  private note(msg: string): void {
    if (!this.opts.quiet) this.log(msg);
  }

  /** One warning for the whole hunt; recording stops. `what`: the step that failed (none: opening). */
  private giveUp(what: string | null, e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    if (!this.warned) {
      this.warned = true;
      this.log(`tracehound: warning: ${what ? `case store ${this.store?.path ?? ''}: ${what}: ` : ''}${msg}; ` +
        `the hunt goes on without recording it (--no-db skips the case store)`);
    }
    if (this.huntId !== null && this.store) {
      try { this.store.failHunt(this.huntId, `${what}: ${msg}`); } catch { /* already warned */ }
    }
    this.huntId = null;
    this.close();
  }

  /** Opens the store and records the start of the hunt, with the evidence files' hashes. */
  async begin(info: { commandLine: string[]; rulePaths: string[]; placeholders?: Placeholders | undefined; evidence: string[] }): Promise<void> {
    if (this.opts.disabled) return;
    try {
      this.store = openCaseStore(this.opts.db);
    } catch (e) { this.giveUp(null, e); return; }
    for (const r of this.store.recovered) this.note(`tracehound: case store: hunt ${r.id} was left running: ${r.reason}; marked incomplete`);
    try {
      this.huntId = this.store.beginHunt({ toolVersion: toolVersion(), rulesetVersion: rulesetVersion(info.rulePaths, info.placeholders), commandLine: info.commandLine });
      this.store.recordInputs(this.huntId, await hashInputs(info.evidence));
    } catch (e) { this.giveUp('cannot record the hunt', e); }
  }

  findings(list: Finding[]): void {
    if (!this.store || this.huntId === null) return;
    try { this.store.recordFindings(this.huntId, list); } catch (e) { this.giveUp('cannot record the findings', e); }
  }

  finish(totals: HuntTotals): void {
    if (!this.store || this.huntId === null) return;
    try {
      this.store.finishHunt(this.huntId, totals);
      this.note(`tracehound: recorded as hunt ${this.huntId} in the case store ${this.store.path}` +
        (totals.findings != null ? ` (${totals.findings} findings; 'tracehound cases list --hunt ${this.huntId}')` : ''));
    } catch (e) { this.giveUp('cannot finish the hunt', e); }
    this.huntId = null;
  }

  /** The hunt stopped on an exception. */
  fail(error: unknown): void {
    if (!this.store || this.huntId === null) return;
    try { this.store.failHunt(this.huntId, error); } catch { /* the exception itself is reported */ }
    this.huntId = null;
  }

  close(): void {
    try { this.store?.close(); } catch { /* nothing left to do */ }
    this.store = null;
  }
}
