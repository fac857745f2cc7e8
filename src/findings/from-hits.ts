// Rule hits -> findings, one per (rule, host), with a stable id so later hunts update the same finding.
import { createHash } from 'node:crypto';
import type { RuleHit } from '../sigma/ruleset.js';
import type { CorrelationHit } from '../sigma/correlate.js';
import { levelOf, ruleKey, type Item, type RuleMeta, type Search, type SigmaRule } from '../sigma/model.js';
import type { FieldValue } from '../events/model.js';
import { SEVERITY_RANK, type Confidence, type EvidenceRef, type Finding } from './model.js';
import { isoString } from '../util/time.js';

export const MAX_EVIDENCE_PER_FINDING = 50;

export function techniquesOf(tags: string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(t);
    if (m && !out.includes(m[1]!.toUpperCase())) out.push(m[1]!.toUpperCase());
  }
  return out;
}

export function confidenceOf(meta: RuleMeta): Confidence {
  const c = meta.custom['confidence'];
  if (c === 'low' || c === 'medium' || c === 'high') return c;
  return meta.status === 'stable' ? 'high' : meta.status === 'experimental' ? 'low' : 'medium';
}

export function findingId(ruleKey: string, host: string | null): string {
  return createHash('sha256').update(`${ruleKey}\u0000${host ?? ''}`).digest('hex').slice(0, 16);
}

/** Field names a rule tests, in the order written. */
export function detectionFields(rule: SigmaRule): string[] {
  const out = new Set<string>();
  const item = (i: Item) => { if (i.field) out.add(i.field); };
  const search = (s: Search) => { if (s.k === 'item') item(s.item); else if (s.k === 'and') s.items.forEach(item); else s.items.forEach(search); };
  for (const s of rule.detection.searches.values()) search(s);
  return [...out];
}

function refOf(ref: { file: string; kind: EvidenceRef['kind']; record?: number; line?: number; offset?: number }): EvidenceRef {
  const e: EvidenceRef = { file: ref.file, kind: ref.kind };
  if (ref.record !== undefined) e.record = ref.record;
  if (ref.line !== undefined) e.line = ref.line;
  if (ref.offset !== undefined) e.offset = ref.offset;
  return e;
}

interface Acc { f: Finding; first: number; last: number }

export class FindingBuilder {
  private acc = new Map<string, Acc>();

  /** `ruleByKey` finds a rule's metadata by id or name, so correlation findings inherit the joined rules' techniques. */
  constructor(private ruleByKey: (key: string) => RuleMeta | undefined = () => undefined) {}

  add(hit: RuleHit): void {
    const r = hit.rule;
    const key = ruleKey(r.meta);
    const host = hit.event.host ?? null;
    const id = findingId(key, host);
    let a = this.acc.get(id);
    if (!a) {
      const fields: Record<string, FieldValue> = {};
      for (const name of detectionFields(r)) { const v = hit.view.get(name); if (v !== undefined) fields[name] = v; }
      a = { first: hit.event.time, last: hit.event.time, f: this.base(id, r.meta, key, host, fields) };
      this.acc.set(id, a);
    }
    this.bump(a, hit.event.time, [refOf(hit.event.ref)]);
  }

  addCorrelation(h: CorrelationHit): void {
    const key = ruleKey(h.rule.meta);
    const host = h.host ?? null;
    const id = findingId(key, host);
    let a = this.acc.get(id);
    if (!a) {
      const fields: Record<string, FieldValue> = { ...h.group };
      const f: Finding = { ...this.base(id, h.rule.meta, key, host, fields), correlation: true };
      for (const r of h.rules) for (const t of techniquesOf(this.ruleByKey(r)?.tags ?? [])) if (!f.techniques.includes(t)) f.techniques.push(t);
      a = { first: h.first, last: h.last, f };
      this.acc.set(id, a);
    }
    this.bump(a, h.first, h.events.map((e) => refOf(e.ref)));
    if (h.last > a.last) { a.last = h.last; a.f.last_seen = isoString(h.last) || null; }
  }

  private base(id: string, meta: RuleMeta, key: string, host: string | null, fields: Record<string, FieldValue>): Finding {
    const f: Finding = {
      id, title: meta.title, severity: levelOf(meta), confidence: confidenceOf(meta),
      techniques: techniquesOf(meta.tags), host, first_seen: null, last_seen: null, count: 0, evidence: [], fields,
      rule_id: key, falsepositives: meta.falsepositives ?? [], references: meta.references ?? [], playbook: null,
    };
    if (meta.description) f.description = meta.description;
    return f;
  }

  private bump(a: Acc, t: number, refs: EvidenceRef[]): void {
    a.f.count++;
    if (!Number.isNaN(t)) {
      if (Number.isNaN(a.first) || t < a.first) a.first = t;
      if (Number.isNaN(a.last) || t > a.last) a.last = t;
    }
    a.f.first_seen = isoString(a.first) || null;
    a.f.last_seen = isoString(a.last) || null;
    for (const r of refs) if (a.f.evidence.length < MAX_EVIDENCE_PER_FINDING) a.f.evidence.push(r);
  }

  /** Findings, most severe first, then by first time seen. */
  findings(): Finding[] {
    return [...this.acc.values()].map((a) => a.f).sort((x, y) => SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity] || (x.first_seen ?? '').localeCompare(y.first_seen ?? ''));
  }
}

