// What a report says about the run that produced its findings, and the orderings and counts the
// Markdown and HTML reports share.
import { LEVELS } from '../sigma/model.js';
import { SEVERITY_RANK, type Finding, type Severity } from '../findings/model.js';

/** The run behind a report (every field optional but the inputs: audits and tests have less to say). */
export interface ReportSummary {
  /** the evidence paths given to the run */
  inputs: string[];
  /** ISO time the report was made (default: now) */
  generated?: string;
  /** e.g. `tracehound 0.1.0` */
  tool?: string;
  files?: { total: number; read: number; skipped: number; unreadable: number };
  events?: number;
  eventsByKind?: Record<string, number>;
  outsideWindow?: number;
  window?: { from?: string; to?: string };
  rules?: { loaded: number; correlations: number; failed: number };
  matches?: number;
  correlationMatches?: number;
  /** records that could not be used */
  recordProblems?: number;
  /** Exchange configuration, export and DLL files audited */
  audited?: number;
}

/**
 * The report's time (ISO): SOURCE_DATE_EPOCH (seconds, the reproducible-builds convention) when
 * set, so a report made again from the same evidence is the same file; now otherwise.
 */
export function reportTime(env: NodeJS.ProcessEnv = process.env, now: () => Date = () => new Date()): string {
  const e = env['SOURCE_DATE_EPOCH'];
  if (e !== undefined && /^\d{1,12}$/.test(e.trim())) return new Date(Number(e.trim()) * 1000).toISOString();
  return now().toISOString();
}

/** Most severe first, then highest score, then earliest; findings without a time last. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) =>
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.score - a.score ||
    (a.first_seen ?? '\uffff').localeCompare(b.first_seen ?? '\uffff'));
}

/** Severities from critical down. */
export const SEVERITIES_DESC: readonly Severity[] = [...LEVELS].reverse();

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const out = { critical: 0, high: 0, medium: 0, low: 0, informational: 0 } as Record<Severity, number>;
  for (const f of findings) out[f.severity]++;
  return out;
}

export interface HostCount { host: string | null; total: number; bySeverity: Record<Severity, number>; worst: Severity }

/** Findings per host, the host with the worst findings first. */
export function countByHost(findings: readonly Finding[]): HostCount[] {
  const by = new Map<string | null, Finding[]>();
  for (const f of findings) by.set(f.host, [...(by.get(f.host) ?? []), f]);
  const rows = [...by].map(([host, fs]): HostCount => {
    const bySeverity = countBySeverity(fs);
    const worst = SEVERITIES_DESC.find((s) => bySeverity[s] > 0) ?? 'informational';
    return { host, total: fs.length, bySeverity, worst };
  });
  return rows.sort((a, b) => SEVERITY_RANK[b.worst] - SEVERITY_RANK[a.worst] || b.total - a.total || (a.host ?? '').localeCompare(b.host ?? ''));
}

/** Earliest first_seen and latest last_seen of the findings (ISO), or null when none has a time. */
export function timeRange(findings: readonly Finding[]): { first: string; last: string } | null {
  let first: string | null = null, last: string | null = null;
  for (const f of findings) {
    const a = f.first_seen ?? f.last_seen, b = f.last_seen ?? f.first_seen;
    if (a && (first === null || a < first)) first = a;
    if (b && (last === null || b > last)) last = b;
  }
  return first && last ? { first, last } : null;
}

/** Where an evidence reference points: `file:line`, `file#record`, `file@offset` or `file`. */
export function evidenceWhere(r: { file: string; record?: number; line?: number; offset?: number }): string {
  return r.record !== undefined ? `${r.file}#${r.record}` : r.line !== undefined ? `${r.file}:${r.line}` : r.offset !== undefined ? `${r.file}@${r.offset}` : r.file;
}
