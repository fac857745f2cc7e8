// The mail-server audit: collection -> hook inventory -> verdicts -> findings; and the changes
// since a baseline collection (hooks added or removed).
import type { Finding } from '../../findings/model.js';
import { issueToFinding, mergeIssues } from '../to-findings.js';
import { mtaAuditData } from './catalogue.js';
import { judgeHooks, type MtaIssue } from './checks.js';
import type { MtaCollection } from './collection.js';
import { hookKey, inventory, type HookInventory } from './hooks.js';

export interface MtaAuditOutcome { inventory: HookInventory; findings: Finding[] }

export function hasMtaConfig(c: MtaCollection): boolean {
  return c.files > 0 && (c.postfixMain.length + c.postfixMaster.length + c.postfixOverrides.length + c.sendmail.length + c.exim.length + c.filters.length + c.eximDebconf.length) > 0;
}

export function auditMta(c: MtaCollection, orgDomains: string[] = []): MtaAuditOutcome {
  const { catalogue, checks } = mtaAuditData();
  const inv = inventory(c, catalogue.postfixDefaults);
  const findings = mergeIssues(judgeHooks(inv, c, { catalogue, orgDomains })).map((i) => issueToFinding(i, inv.host, checks));
  return { inventory: inv, findings };
}

/** Hooks added since the baseline (as severe as their verdict, at least medium) and hooks removed (low). */
export function mtaChanges(old: MtaCollection, cur: MtaCollection, orgDomains: string[] = []): Finding[] {
  const { catalogue, checks } = mtaAuditData();
  const before = inventory(old, catalogue.postfixDefaults), after = inventory(cur, catalogue.postfixDefaults);
  const verdicts = judgeHooks(after, cur, { catalogue, orgDomains });
  const was = new Set(before.hooks.map(hookKey)), now = new Set(after.hooks.map(hookKey));
  const issues: MtaIssue[] = [];
  const RANK = ['informational', 'low', 'medium', 'high', 'critical'] as const;
  after.hooks.forEach((h, i) => {
    if (was.has(hookKey(h))) return;
    const v = verdicts[i]!;
    const sev = v.severity ?? checks[v.check].severity;
    issues.push({ ...v, check: 'mta-baseline-change', severity: RANK[Math.max(2, RANK.indexOf(sev))]!, subject: `added ${v.subject}`, reasons: [`added since the baseline (${v.fields['verdict']})`, ...v.reasons], fields: { ...v.fields, change: 'added' } });
  });
  for (const h of before.hooks) {
    if (now.has(hookKey(h))) continue;
    issues.push({ check: 'mta-baseline-change', severity: 'low', subject: `removed ${h.mta} ${h.point}${h.context ? ` [${h.context}]` : ''}: ${h.value}`, reasons: ['removed since the baseline'],
      evidence: h.refs.map((r) => ({ file: r.file, kind: 'mta-config' as const, ...(r.line ? { line: r.line } : {}) })), fields: { mta: h.mta, point: h.point, value: h.value, change: 'removed' }, times: [] });
  }
  return mergeIssues(issues).map((i) => issueToFinding(i, after.host, checks));
}
