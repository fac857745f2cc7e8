// Rule hits -> findings. Hits of one rule on one host (and, when the rule names `dedup_fields`, with
// the same values of those fields) that are no further apart than the de-duplication window make
// one finding with a count and first/last times. Ids are stable, so later hunts of the same
// evidence update the same findings.
import { createHash } from 'node:crypto';
import type { RuleHit } from '../sigma/ruleset.js';
import type { CorrelationHit } from '../sigma/correlate.js';
import { levelOf, ruleKey, type Item, type RuleMeta, type Search, type SigmaRule } from '../sigma/model.js';
import type { FieldValue } from '../events/model.js';
import { ownRecord } from '../util/own-record.js';
import { SEVERITY_RANK, findingScore, type Confidence, type EvidenceRef, type Finding, type PlaybookStep } from './model.js';
import { isoString, parseDuration } from '../util/time.js';

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

/** Default de-duplication window: hits further apart than this start a new finding. */
export const DEDUP_WINDOW_MS = 86_400_000;

/** Stable id: rule, host, the de-duplication values and the time the finding starts. */
export function findingId(ruleKey: string, host: string | null, keyValues = '', start = NaN): string {
  const t = Number.isNaN(start) ? '' : String(start);
  return createHash('sha256').update(`${ruleKey}\u0000${host ?? ''}\u0000${keyValues}\u0000${t}`).digest('hex').slice(0, 16);
}

/** The rule's de-duplication settings: custom `dedup_fields` (list) and `dedup_window` (e.g. 1h). */
export function dedupOf(meta: RuleMeta): { fields: string[]; window: number } {
  const f = meta.custom['dedup_fields'];
  const w = meta.custom['dedup_window'];
  const window = typeof w === 'string' ? parseDuration(w) : NaN;
  return {
    fields: Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : [],
    window: Number.isNaN(window) ? DEDUP_WINDOW_MS : window,
  };
}

/** Playbook step ids a rule names (custom `playbook`). */
export function playbookIdsOf(meta: RuleMeta): string[] {
  const p = meta.custom['playbook'];
  return Array.isArray(p) ? p.filter((x): x is string => typeof x === 'string') : [];
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

/** One run of hits (an episode) of a rule on a host with the same de-duplication values. */
interface Episode {
  first: number; last: number; count: number; refs: EvidenceRef[]; fields: Record<string, FieldValue>;
  /** ids of the correlation findings that joined its events */
  correlatedBy: Set<string> | null;
  /** the episode this one was folded into, when a later hit bridged the two */
  into: Episode | null;
}

interface Group { meta: RuleMeta; key: string; host: string | null; keyValues: string; correlation: CorrelationHit | null; episodes: Episode[] }

export interface FindingBuilderOptions {
  /** finds a rule's metadata by id or name, so correlation findings inherit the joined rules' techniques */
  ruleByKey?: (key: string) => RuleMeta | undefined;
  /** playbook steps by id (from the knowledge pack); unknown ids are left out */
  playbook?: (id: string) => PlaybookStep | null;
}

const refKey = (r: EvidenceRef) => `${r.file}\u0000${r.record ?? ''}\u0000${r.line ?? ''}\u0000${r.offset ?? ''}`;

export class FindingBuilder {
  private groups = new Map<string, Group>();
  /** event -> the episode holding it, so correlations can raise the findings they join */
  private byEvent = new Map<string, Episode>();

  constructor(private opts: FindingBuilderOptions = {}) {}

  add(hit: RuleHit): void {
    const r = hit.rule;
    const key = ruleKey(r.meta);
    const host = hit.event.host ?? null;
    const { fields: dedup, window } = dedupOf(r.meta);
    const keyValues = dedup.map((f) => JSON.stringify(hit.view.get(f) ?? null)).join('\u0000');
    const g = this.group(r.meta, key, host, keyValues, null);
    const ref = refOf(hit.event.ref);
    const e = this.place(g, hit.event.time, window, () => {
      const fields = ownRecord<FieldValue>();
      for (const name of detectionFields(r)) { const v = hit.view.get(name); if (v !== undefined) fields[name] = v; }
      for (const name of dedup) { const v = hit.view.get(name); if (v !== undefined) fields[name] = v; }
      return fields;
    });
    if (e.refs.length < MAX_EVIDENCE_PER_FINDING) e.refs.push(ref);
    if (this.byEvent.size < 1_000_000) this.byEvent.set(refKey(ref), e);
  }

  addCorrelation(h: CorrelationHit): void {
    const key = ruleKey(h.rule.meta);
    const host = h.host ?? null;
    const keyValues = JSON.stringify(h.group);
    const g = this.group(h.rule.meta, key, host, keyValues, h);
    const e = this.place(g, h.first, 0, () => ({ ...h.group }));
    if (h.last > e.last || Number.isNaN(e.last)) e.last = h.last;
    for (const ev of h.events) {
      const ref = refOf(ev.ref);
      if (e.refs.length < MAX_EVIDENCE_PER_FINDING) e.refs.push(ref);
      let joined = this.byEvent.get(refKey(ref));
      while (joined?.into) joined = joined.into;
      if (joined) (joined.correlatedBy ??= new Set()).add(this.idOf(g, e));
    }
  }

  private group(meta: RuleMeta, key: string, host: string | null, keyValues: string, correlation: CorrelationHit | null): Group {
    const gk = `${correlation ? 'c' : 'r'}\u0000${key}\u0000${host ?? ''}\u0000${keyValues}`;
    let g = this.groups.get(gk);
    if (!g) this.groups.set(gk, (g = { meta, key, host, keyValues, correlation, episodes: [] }));
    return g;
  }

  /** The episode of `g` that time `t` belongs to (within `window` of it), merging episodes it bridges. */
  private place(g: Group, t: number, window: number, fields: () => Record<string, FieldValue>): Episode {
    let hit: Episode | undefined;
    for (const e of g.episodes) {
      const near = Number.isNaN(t) ? Number.isNaN(e.first) : !Number.isNaN(e.first) && t >= e.first - window && t <= e.last + window;
      if (!near) continue;
      if (!hit) { hit = e; continue; }
      // t bridges two episodes: fold the later-made one into the first.
      hit.count += e.count;
      hit.first = Math.min(hit.first, e.first);
      hit.last = Math.max(hit.last, e.last);
      for (const r of e.refs) if (hit.refs.length < MAX_EVIDENCE_PER_FINDING) hit.refs.push(r);
      if (e.correlatedBy) for (const x of e.correlatedBy) (hit.correlatedBy ??= new Set()).add(x);
      e.into = hit;
      g.episodes.splice(g.episodes.indexOf(e), 1);
    }
    if (!hit) { hit = { first: t, last: t, count: 0, refs: [], fields: fields(), correlatedBy: null, into: null }; g.episodes.push(hit); }
    hit.count++;
    if (!Number.isNaN(t)) {
      if (Number.isNaN(hit.first) || t < hit.first) hit.first = t;
      if (Number.isNaN(hit.last) || t > hit.last) hit.last = t;
    }
    return hit;
  }

  private idOf(g: Group, e: Episode): string {
    return findingId(g.key, g.host, g.keyValues, e.first);
  }

  private steps(meta: RuleMeta): PlaybookStep[] | null {
    if (!this.opts.playbook) return null;
    const out: PlaybookStep[] = [];
    for (const id of playbookIdsOf(meta)) { const s = this.opts.playbook(id); if (s) out.push(s); }
    return out.length ? out : null;
  }

  /** Findings, highest score first, then most severe, then by first time seen. */
  findings(): Finding[] {
    const out: Finding[] = [];
    for (const g of this.groups.values()) {
      for (const e of g.episodes) {
        const meta = g.meta;
        const confidence = confidenceOf(meta);
        const severity = levelOf(meta);
        const by = e.correlatedBy;
        const f: Finding = {
          id: this.idOf(g, e), title: meta.title, severity, confidence, techniques: techniquesOf(meta.tags), host: g.host,
          first_seen: isoString(e.first) || null, last_seen: isoString(e.last) || null, count: e.count, evidence: e.refs, fields: e.fields,
          rule_id: g.key, falsepositives: meta.falsepositives ?? [], references: meta.references ?? [],
          score: findingScore(severity, confidence, !!by), playbook: this.steps(meta),
        };
        if (meta.description) f.description = meta.description;
        if (g.correlation) {
          f.correlation = true;
          for (const r of g.correlation.rules) for (const t of techniquesOf(this.opts.ruleByKey?.(r)?.tags ?? [])) if (!f.techniques.includes(t)) f.techniques.push(t);
        }
        if (by) f.correlated_by = [...by].sort();
        out.push(f);
      }
    }
    return out.sort((x, y) => y.score - x.score || SEVERITY_RANK[y.severity] - SEVERITY_RANK[x.severity] || (x.first_seen ?? '').localeCompare(y.first_seen ?? ''));
  }
}
