// Audit issues -> findings (the model rules and audits share), with the check's explanation and playbook.
import { createHash } from 'node:crypto';
import { findingScore, type Finding, type PlaybookStep } from '../findings/model.js';
import type { CheckId, CheckText } from './catalogue.js';
import type { AuditIssue } from './checks.js';

export const AUDIT_TECHNIQUE = 'T1505.002';
const REFERENCES = ['https://attack.mitre.org/techniques/T1505/002/'];

/** An audit issue of any audit (the transport agent audit's, the mail-server audit's). */
export type IssueOf<C extends string> = Omit<AuditIssue, 'check'> & { check: C };

export function auditFindingId(check: string, host: string | null, subject: string): string {
  return createHash('sha256').update(`audit:${check}\u0000${host ?? ''}\u0000${subject.toLowerCase()}`).digest('hex').slice(0, 16);
}

/** The step's first clause, as a checklist label. */
function shortTitle(text: string): string {
  const m = /^[^.;:]{1,80}/.exec(text);
  return (m ? m[0] : text.slice(0, 80)).trim();
}

export function issueToFinding<C extends string = CheckId>(i: IssueOf<C>, host: string | null, texts: Record<C, CheckText>): Finding {
  const t = texts[i.check];
  const times = [...i.times].sort();
  return {
    id: auditFindingId(i.check, host, i.subject),
    title: `${t.title}: ${i.subject}`,
    severity: i.severity ?? t.severity,
    confidence: t.confidence,
    techniques: [AUDIT_TECHNIQUE],
    host,
    first_seen: times[0] ?? null,
    last_seen: times.at(-1) ?? null,
    count: 1,
    evidence: i.evidence,
    fields: { ...i.fields, reasons: i.reasons },
    rule_id: null,
    check: i.check,
    description: `${i.reasons.join('; ')}. ${t.why}`,
    falsepositives: t.falsepositives,
    references: REFERENCES,
    score: findingScore(i.severity ?? t.severity, t.confidence),
    playbook: t.playbook.map((text, n): PlaybookStep => ({ id: `${i.check}-${n + 1}`, title: shortTitle(text), text })),
  };
}

/** Issues of one check about one subject become one: reasons, evidence and times joined. */
export function mergeIssues<I extends IssueOf<string>>(issues: I[]): I[] {
  const by = new Map<string, I>();
  for (const i of issues) {
    const k = `${i.check}\u0000${i.subject.toLowerCase()}`;
    const prev = by.get(k);
    if (!prev) { by.set(k, { ...i, reasons: [...i.reasons], evidence: [...i.evidence], times: [...i.times] }); continue; }
    for (const r of i.reasons) if (!prev.reasons.includes(r)) prev.reasons.push(r);
    for (const e of i.evidence) if (!prev.evidence.some((x) => x.file === e.file && x.line === e.line)) prev.evidence.push(e);
    prev.times.push(...i.times);
  }
  return [...by.values()];
}
