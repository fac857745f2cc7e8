// The results of a hunt at a glance: findings per severity, the rules and hosts with the most
// findings, and the time they span; printed after the table, or alone with `hunt --summary`.
import { SEVERITY_RANK, type Finding, type Severity } from '../findings/model.js';
import { countByHost, countBySeverity, SEVERITIES_DESC, timeRange } from './summary.js';
import { tableRow, type Column } from './text.js';

export interface RuleCount { rule: string; title: string; severity: Severity; findings: number; events: number; hosts: number }
export interface HostTotal { host: string | null; findings: number; worst: Severity; by_severity: Record<Severity, number> }

export interface ResultsSummary {
  schema: 'tracehound.summary/1';
  findings: number;
  by_severity: Record<Severity, number>;
  first_seen: string | null;
  last_seen: string | null;
  /** the rules (or audit checks) with the most findings, at most `top` */
  top_rules: RuleCount[];
  top_hosts: HostTotal[];
  /** rules and hosts beyond the top lists */
  more_rules: number;
  more_hosts: number;
}

export const SUMMARY_TOP = 10;

export function resultsSummary(findings: readonly Finding[], top = SUMMARY_TOP): ResultsSummary {
  const byRule = new Map<string, { title: string; severity: Severity; findings: number; events: number; hosts: Set<string | null> }>();
  for (const f of findings) {
    const key = f.rule_id ?? f.check ?? f.title;
    const r = byRule.get(key) ?? { title: f.title, severity: f.severity, findings: 0, events: 0, hosts: new Set() };
    r.findings++;
    r.events += f.count;
    r.hosts.add(f.host);
    if (SEVERITY_RANK[f.severity] > SEVERITY_RANK[r.severity]) r.severity = f.severity;
    byRule.set(key, r);
  }
  const rules = [...byRule].map(([rule, r]): RuleCount => ({ rule, title: r.title, severity: r.severity, findings: r.findings, events: r.events, hosts: r.hosts.size }))
    .sort((a, b) => b.findings - a.findings || SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.events - a.events || a.rule.localeCompare(b.rule));
  const hosts = countByHost(findings).map((h): HostTotal => ({ host: h.host, findings: h.total, worst: h.worst, by_severity: h.bySeverity }));
  const span = timeRange(findings);
  return {
    schema: 'tracehound.summary/1', findings: findings.length, by_severity: countBySeverity(findings),
    first_seen: span?.first ?? null, last_seen: span?.last ?? null,
    top_rules: rules.slice(0, top), top_hosts: hosts.slice(0, top),
    more_rules: Math.max(0, rules.length - top), more_hosts: Math.max(0, hosts.length - top),
  };
}

/** A rule's short name for a table: an id's first 8 characters (enough for --exclude-rules), else the name or check. */
export function shortRule(key: string | null | undefined): string {
  if (!key) return '';
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(key) ? key.slice(0, 8) : key;
}

/** An ISO time as `YYYY-MM-DD hh:mm:ss` (UTC), for tables. */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '') : '';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The summary as text lines, for a terminal of `width` columns. */
export function summaryText(s: ResultsSummary, width: number): string {
  const bar = (label: string) => `── ${label} ${'─'.repeat(Math.max(3, Math.min(width, 120) - label.length - 4))}\n`;
  let out = bar('SUMMARY');
  const sev = SEVERITIES_DESC.filter((x) => s.by_severity[x] > 0).map((x) => `${s.by_severity[x]} ${x}`).join(', ');
  out += `${plural(s.findings, 'finding')}${sev ? `: ${sev}` : ''}\n`;
  if (s.first_seen) out += `seen from ${shortTime(s.first_seen)} to ${shortTime(s.last_seen)} (UTC)\n`;
  if (s.top_rules.length) {
    const cols: Column<RuleCount>[] = [
      { title: 'FINDINGS', width: 8, get: (r) => String(r.findings) },
      { title: 'EVENTS', width: 7, get: (r) => String(r.events) },
      { title: 'HOSTS', width: 5, get: (r) => String(r.hosts) },
      { title: 'SEVERITY', width: 8, get: (r) => r.severity },
      { title: 'RULE', width: 13, get: (r) => shortRule(r.rule) },
      { title: 'TITLE', width: Math.max(20, width - 8 - 7 - 5 - 8 - 13 - 10), get: (r) => r.title },
    ];
    out += '\ntop rules\n' + tableRow(cols, null) + s.top_rules.map((r) => tableRow(cols, r)).join('');
    if (s.more_rules) out += `… and ${plural(s.more_rules, 'more rule')}\n`;
  }
  if (s.top_hosts.length) {
    const cols: Column<HostTotal>[] = [
      { title: 'FINDINGS', width: 8, get: (h) => String(h.findings) },
      { title: 'WORST', width: 13, get: (h) => h.worst },
      { title: 'BY SEVERITY', width: 22, get: (h) => SEVERITIES_DESC.filter((x) => h.by_severity[x] > 0).map((x) => `${h.by_severity[x]}${x[0]!.toUpperCase()}`).join(' ') },
      { title: 'HOST', width: Math.max(20, width - 8 - 13 - 22 - 6), get: (h) => h.host ?? '(no host)' },
    ];
    out += '\ntop hosts\n' + tableRow(cols, null) + s.top_hosts.map((h) => tableRow(cols, h)).join('');
    if (s.more_hosts) out += `… and ${plural(s.more_hosts, 'more host')}\n`;
  }
  return out;
}
