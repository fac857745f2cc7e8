// The audit pipeline: collection files -> collection -> checks -> findings.
import { closeSync, openSync, readSync } from 'node:fs';
import { listInputs } from '../sources/inputs.js';
import { isZip, readZipDirectory, withMember, ZIP_LIMITS } from '../sources/zip/reader.js';
import { SEVERITY_RANK, type Finding } from '../findings/model.js';
import { auditData } from './catalogue.js';
import { CollectionBuilder, type Collection } from './collection.js';
import { runChecks, type AuditContext } from './checks.js';
import { diffCollections } from './baseline.js';
import { issueToFinding, mergeIssues } from './to-findings.js';
import type { AllowEntry } from './allow-list.js';
import { MtaCollectionBuilder, type MtaCollection } from './mta/collection.js';
import { auditMta, hasMtaConfig, mtaChanges } from './mta/run.js';

export interface CollectionRead {
  collection: Collection;
  /** Unix mail-server configuration (Postfix, Sendmail, Exim) found under the same paths */
  mta: MtaCollection;
  files: number;
  /** files under the paths that are not audit evidence (event logs are hunted, not audited) */
  notAudit: string[];
  unreadable: { path: string; reason: string }[];
}

export async function readCollection(paths: string[], trustedRoots: readonly Uint8Array[]): Promise<CollectionRead> {
  const inputs = listInputs(paths);
  const b = new CollectionBuilder(trustedRoots);
  const mta = new MtaCollectionBuilder();
  const notAudit: string[] = [];
  const unreadable = [...inputs.unreadable];
  let files = inputs.files.length;
  for (const f of inputs.files) {
    if (!isZipFile(f)) { if (!(await b.add(f)) && !mta.add(f)) notAudit.push(f); continue; }
    // The collection script's .zip is read in place, one level deep, within the zip limits.
    let dir;
    try { dir = readZipDirectory(f); } catch (e) { unreadable.push({ path: f, reason: `damaged zip archive: ${(e as Error).message}` }); continue; }
    for (const p of dir.problems) b.collection.problems.push({ file: f, message: `offset ${p.offset}: ${p.message}` });
    let total = 0;
    for (const m of dir.members) {
      files++;
      total += m.size;
      const name = `${f}!${m.name}`;
      if (total > ZIP_LIMITS.totalBytes) { unreadable.push({ path: name, reason: `archive inflates past ${ZIP_LIMITS.totalBytes} bytes in all; the rest is not read` }); break; }
      try {
        if (!(await withMember(f, m, async (tmp) => (await b.add(tmp, name)) || mta.add(tmp, name)))) notAudit.push(name);
      } catch (e) {
        unreadable.push({ path: name, reason: (e as Error).message });
      }
    }
  }
  return { collection: b.collection, mta: mta.finish(), files, notAudit, unreadable };
}

function isZipFile(path: string): boolean {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return false; } // then the audit reports it unreadable
  try {
    const head = Buffer.alloc(4);
    return isZip(head.subarray(0, readSync(fd, head, 0, 4, 0)));
  } finally { closeSync(fd); }
}

export interface AuditOutcome { context: AuditContext; findings: Finding[] }

const bySeverity = (a: Finding, b: Finding) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.title.localeCompare(b.title);

export function auditCollection(c: Collection, allow?: AllowEntry[]): AuditOutcome {
  const { catalogue, iocs, checks } = auditData();
  const { context, issues } = runChecks(c, { catalogue, iocs, ...(allow ? { allow } : {}) });
  const findings = mergeIssues(issues).map((i) => issueToFinding(i, context.host, checks));
  return { context, findings: findings.sort(bySeverity) };
}

/** Changes from a baseline collection, then the audit of the current one. */
export function auditAgainstBaseline(old: Collection, cur: Collection, allow?: AllowEntry[]): AuditOutcome & { changes: Finding[] } {
  const { catalogue, checks } = auditData();
  const audit = auditCollection(cur, allow);
  const changes = mergeIssues(diffCollections(old, cur, catalogue)).map((i) => issueToFinding(i, audit.context.host, checks)).sort(bySeverity);
  return { ...audit, changes };
}

/** Whether the collection holds any Exchange evidence (a mail-server-only collection skips that audit). */
export function hasExchangeEvidence(c: Collection): boolean {
  return c.registries.length + c.pipelines.length + c.dlls.length + c.manifest.length + c.servers.length + c.problems.length > 0;
}

/** Both audits over what was found: Exchange transport agents and Unix mail-server hooks. */
export function auditEverything(c: Collection, mta: MtaCollection, opts: { allow?: AllowEntry[]; orgDomains?: string[] } = {}): { notes: string[]; findings: Finding[] } {
  const ex = hasExchangeEvidence(c) || !hasMtaConfig(mta) ? auditCollection(c, opts.allow) : null;
  const m = hasMtaConfig(mta) ? auditMta(mta, opts.orgDomains) : null;
  return { notes: ex?.context.notes ?? [], findings: [...(ex?.findings ?? []), ...(m?.findings ?? [])].sort(bySeverity) };
}

/** Changes of both kinds since a baseline. */
export function changesSinceBaseline(old: CollectionRead, cur: CollectionRead, opts: { allow?: AllowEntry[]; orgDomains?: string[] } = {}): Finding[] {
  const ex = hasExchangeEvidence(cur.collection) || !hasMtaConfig(cur.mta) ? auditAgainstBaseline(old.collection, cur.collection, opts.allow).changes : [];
  const m = hasMtaConfig(cur.mta) || hasMtaConfig(old.mta) ? mtaChanges(old.mta, cur.mta, opts.orgDomains) : [];
  return [...ex, ...m].sort(bySeverity);
}
