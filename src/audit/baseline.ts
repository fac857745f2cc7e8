// What changed between two collections of the same server: agents added, removed, re-ordered,
// enabled or disabled, re-pointed to another factory or DLL, or whose DLL's hash changed.
import type { AgentRegistry, RegisteredAgent } from '../sources/exchange/model.js';
import type { Severity } from '../findings/model.js';
import type { Catalogue } from './catalogue.js';
import type { Collection } from './collection.js';
import { agentRef, auditContext, findDll, findManifest, serviceOf, type AuditIssue } from './checks.js';
import { normPath } from './winpath.js';

export type ChangeKind = 'added' | 'removed' | 'reordered' | 'enabled' | 'disabled' | 'repointed' | 'dll-changed';

const SEVERITY: Record<ChangeKind, Severity> = {
  added: 'high', repointed: 'high', 'dll-changed': 'high', enabled: 'medium', removed: 'low', disabled: 'low', reordered: 'low',
};

function listKey(reg: AgentRegistry, service: string | null): string {
  return `${reg.source === 'Get-TransportAgent' ? 'cmdlet' : reg.source}|${service ?? 'unknown'}`;
}

/** The hash of the DLL behind an agent: the collected copy, else the manifest's. */
function dllHash(c: Collection, a: RegisteredAgent): string | null {
  return findDll(c, a.assemblyPath)?.sha256 ?? findManifest(c, a.assemblyPath)?.sha256 ?? null;
}

export function diffCollections(old: Collection, cur: Collection, cat: Catalogue): AuditIssue[] {
  const oc = auditContext(old, cat), nc = auditContext(cur, cat);
  const lists = (c: Collection, ctx: ReturnType<typeof auditContext>) => new Map(c.registries.map((r) => [listKey(r, serviceOf(r, ctx)), r]));
  const before = lists(old, oc), after = lists(cur, nc);
  const issues: AuditIssue[] = [];
  const change = (kind: ChangeKind, reg: AgentRegistry, a: RegisteredAgent, reason: string, prev?: RegisteredAgent) => {
    issues.push({
      check: 'baseline-change', severity: SEVERITY[kind], subject: `${a.name} ${kind}`, reasons: [reason],
      evidence: [agentRef(reg, a), ...(prev ? [agentRef(reg, prev)] : [])],
      fields: { change: kind, agent: a.name, factory: a.factory, assemblyPath: a.assemblyPath, enabled: a.enabled, priority: a.priority, ...(prev ? { previousFactory: prev.factory, previousAssemblyPath: prev.assemblyPath, previousPriority: prev.priority, previousEnabled: prev.enabled } : {}) },
      times: [],
    });
  };
  for (const [key, reg] of after) {
    const prevReg = before.get(key);
    if (!prevReg) continue; // a list the baseline did not collect: nothing to compare
    const prevBy = new Map(prevReg.agents.map((a) => [a.name.toLowerCase(), a]));
    const where = key.replace('|', ' list of ');
    for (const a of reg.agents) {
      const p = prevBy.get(a.name.toLowerCase());
      if (!p) { change('added', reg, a, `'${a.name}' (${a.factory} from ${a.assemblyPath}) was added to the ${where} at priority ${a.priority}`); continue; }
      if ((p.factory || a.factory) && (p.factory !== a.factory || normPath(p.assemblyPath) !== normPath(a.assemblyPath))) {
        change('repointed', reg, a, `'${a.name}' now loads ${a.factory} from ${a.assemblyPath}; before: ${p.factory} from ${p.assemblyPath}`, p);
      } else {
        const h0 = dllHash(old, p), h1 = dllHash(cur, a);
        if (h0 && h1 && h0 !== h1) change('dll-changed', reg, a, `the DLL of '${a.name}' changed: SHA-256 ${h0} -> ${h1}`, p);
      }
      if (p.enabled !== a.enabled) change(a.enabled ? 'enabled' : 'disabled', reg, a, `'${a.name}' was ${a.enabled ? 'enabled' : 'disabled'}`, p);
      if (p.priority !== a.priority) change('reordered', reg, a, `'${a.name}' moved from priority ${p.priority} to ${a.priority}`, p);
    }
    const now = new Set(reg.agents.map((a) => a.name.toLowerCase()));
    for (const p of prevReg.agents) if (!now.has(p.name.toLowerCase())) change('removed', prevReg, p, `'${p.name}' was removed from the ${where}`);
  }
  return issues;
}
