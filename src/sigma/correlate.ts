// Correlation rules (sigma-correlation-rules-specification) over true sliding windows.
//
// Window semantics (the spec leaves them open; documented in README):
// - Matches of the referenced rules are grouped by the `group-by` values (aliases applied) and
//   sorted by time. A window starts at each match and holds every later match of the same group
//   at most `timespan` after it (both ends inclusive).
// - Only maximal windows are evaluated (a window whose last match is already in the previous
//   window adds nothing). When the condition holds, one hit is reported for the window's matches
//   and the next window starts after them, so a burst yields one hit, not one per match.
// - A match without a timestamp cannot be placed in time; it is counted and left out.
import type { EventRef, Event } from '../events/model.js';
import { ruleKey, type CorrelationRule, type CorrelationCondition, type RuleProblem, type SigmaRule } from './model.js';
import type { EventView } from './event-view.js';

/**
 * Group-by values compare like Sigma strings, case-insensitively: a host is `EXCH01.corp.example`
 * in its own event logs and `exch01.corp.example` in Defender's tables.
 */
function groupKeyOf(values: (string | null)[]): string {
  return JSON.stringify(values.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)));
}

export interface CorrelationHit {
  rule: CorrelationRule;
  first: number;
  last: number;
  group: Record<string, string | null>;
  /** The aggregate that met the condition (count, distinct count, sum, average or percentage). */
  value: number;
  /** For value_percentile: the value whose share met the condition. */
  subject?: string;
  /** Ids (or names) of the rules whose matches were joined. */
  rules: string[];
  events: { rule: string; ref: EventRef; time: number }[];
  eventCount: number;
  host?: string;
}

interface Entry {
  t: number;
  /** position of the referenced rule in the correlation's `rules` list */
  pos: number;
  groupKey: string;
  groupVals: Record<string, string | null>;
  val: string | null;
  refs: { rule: string; ref: EventRef; time: number }[];
  host?: string;
}

export const MAX_ENTRIES_PER_CORRELATION = 2_000_000;
export const MAX_EVENTS_PER_HIT = 100;

type Target = SigmaRule | CorrelationRule;

interface Active {
  rule: CorrelationRule;
  refs: Target[];
  entries: Entry[];
  dropped: number;
  untimed: number;
}

export class Correlator {
  readonly active: CorrelationRule[] = [];
  private state = new Map<CorrelationRule, Active>();
  /** base rule -> (correlation, position in its rules list) */
  private feeds = new Map<SigmaRule, { a: Active; pos: number }[]>();
  private order: Active[] = [];

  constructor(rules: SigmaRule[], corrs: CorrelationRule[], private problems: RuleProblem[]) {
    const byRef = new Map<string, Target>();
    for (const d of [...rules, ...corrs]) {
      if (d.meta.id) byRef.set(d.meta.id, d);
      if (d.meta.name) byRef.set(d.meta.name, d);
    }
    const resolved = new Map<CorrelationRule, Target[]>();
    for (const c of corrs) {
      const refs: Target[] = [];
      const missing = c.rules.filter((r) => { const t = byRef.get(r); if (t) refs.push(t); return !t; });
      if (missing.length) { this.problem(c, `refers to unknown rule(s): ${missing.join(', ')}`); continue; }
      resolved.set(c, refs);
    }
    // Depth-first order so chained correlations run after the ones they read; cycles are rejected.
    const mark = new Map<CorrelationRule, 'visiting' | 'done' | 'bad'>();
    const visit = (c: CorrelationRule): boolean => {
      const m = mark.get(c);
      if (m === 'done') return true;
      if (m === 'bad') return false;
      if (m === 'visiting') { this.problem(c, 'correlation rules refer to each other in a cycle'); return false; }
      const refs = resolved.get(c);
      if (!refs) { mark.set(c, 'bad'); return false; }
      mark.set(c, 'visiting');
      for (const r of refs) if (r.type === 'correlation' && !visit(r)) { mark.set(c, 'bad'); return false; }
      mark.set(c, 'done');
      const a: Active = { rule: c, refs, entries: [], dropped: 0, untimed: 0 };
      this.state.set(c, a);
      this.order.push(a);
      this.active.push(c);
      return true;
    };
    for (const c of corrs) visit(c);
    for (const a of this.order) a.refs.forEach((r, pos) => {
      if (r.type !== 'rule') return;
      let l = this.feeds.get(r);
      if (!l) this.feeds.set(r, (l = []));
      l.push({ a, pos });
    });
  }

  private problem(c: CorrelationRule, message: string): void {
    this.problems.push({ path: c.source.path, line: c.source.pos.line, col: c.source.pos.col, ...(c.meta.id ? { rule_id: c.meta.id } : {}), message });
  }

  /** Spec `generate`: a rule referenced only by non-generating correlations gives no hits of its own. */
  emits(rule: SigmaRule): boolean {
    const f = this.feeds.get(rule);
    if (!f || f.length === 0) return true;
    return f.some(({ a }) => a.rule.generate);
  }

  record(rule: SigmaRule, ev: Event, view: EventView): void {
    const feeds = this.feeds.get(rule);
    if (!feeds) return;
    for (const { a, pos } of feeds) {
      if (Number.isNaN(ev.time)) { a.untimed++; continue; }
      if (a.entries.length >= MAX_ENTRIES_PER_CORRELATION) { a.dropped++; continue; }
      const refName = a.rule.rules[pos]!;
      const fieldFor = (name: string) => a.rule.aliases[name]?.[refName] ?? a.rule.aliases[name]?.[rule.meta.name ?? ''] ?? name;
      const groupVals: Record<string, string | null> = {};
      for (const g of a.rule.groupBy) groupVals[g] = view.strings(fieldFor(g))?.[0] ?? null;
      const vf = a.rule.condition.field?.[0];
      const val = vf ? view.strings(fieldFor(vf))?.[0] ?? null : null;
      const e: Entry = { t: ev.time, pos, groupKey: groupKeyOf(a.rule.groupBy.map((g) => groupVals[g]!)), groupVals, val, refs: [{ rule: ruleKey(rule.meta), ref: ev.ref, time: ev.time }] };
      if (ev.host) e.host = ev.host;
      a.entries.push(e);
    }
  }

  finish(): CorrelationHit[] {
    const all: CorrelationHit[] = [];
    const hitsOf = new Map<CorrelationRule, CorrelationHit[]>();
    for (const a of this.order) {
      // Hits of referenced correlations become entries of this one.
      a.refs.forEach((r, pos) => {
        if (r.type !== 'correlation') return;
        for (const h of hitsOf.get(r) ?? []) {
          const groupVals: Record<string, string | null> = {};
          for (const g of a.rule.groupBy) groupVals[g] = h.group[a.rule.aliases[g]?.[a.rule.rules[pos]!] ?? g] ?? null;
          const vf = a.rule.condition.field?.[0];
          const e: Entry = { t: h.last, pos, groupKey: groupKeyOf(a.rule.groupBy.map((g) => groupVals[g]!)), groupVals, val: vf ? h.group[vf] ?? null : null, refs: h.events };
          if (h.host) e.host = h.host;
          a.entries.push(e);
        }
      });
      const hits = evaluate(a.rule, a.entries);
      hitsOf.set(a.rule, hits);
      all.push(...hits);
      if (a.dropped) this.problem(a.rule, `more than ${MAX_ENTRIES_PER_CORRELATION} matching events; ${a.dropped} later ones were not correlated`);
      if (a.untimed) this.problem(a.rule, `${a.untimed} matching event(s) had no timestamp and were not correlated`);
      a.entries = [];
    }
    return all;
  }
}

export function conditionHolds(c: CorrelationCondition, v: number): boolean {
  if (c.gt !== undefined && !(v > c.gt)) return false;
  if (c.gte !== undefined && !(v >= c.gte)) return false;
  if (c.lt !== undefined && !(v < c.lt)) return false;
  if (c.lte !== undefined && !(v <= c.lte)) return false;
  if (c.eq !== undefined && v !== c.eq) return false;
  if (c.neq !== undefined && v === c.neq) return false;
  return true;
}

/** The aggregate of a window, or for value_percentile the best qualifying value. */
function aggregate(rule: CorrelationRule, win: Entry[]): { value: number; subject?: string } | null {
  switch (rule.ctype) {
    case 'event_count': return { value: win.length };
    case 'value_count': return { value: new Set(win.map((e) => e.val).filter((v) => v !== null)).size };
    case 'temporal': return { value: new Set(win.map((e) => e.pos)).size };
    case 'temporal_ordered': {
      // Longest prefix of `rules` seen in order (ties in time count as in order).
      let k = 0;
      for (const e of win) if (e.pos === k) k++;
      return { value: k };
    }
    case 'value_sum': case 'value_avg': {
      const nums = win.map((e) => (e.val === null || e.val.trim() === '' ? NaN : Number(e.val))).filter((n) => !Number.isNaN(n));
      if (nums.length === 0) return null;
      const sum = nums.reduce((x, y) => x + y, 0);
      return { value: rule.ctype === 'value_sum' ? sum : sum / nums.length };
    }
    case 'value_percentile': {
      // The share (in percent) of the window's matches that carry each value; the first value
      // whose share meets the condition is reported.
      const counts = new Map<string, number>();
      for (const e of win) if (e.val !== null) counts.set(e.val, (counts.get(e.val) ?? 0) + 1);
      for (const [v, n] of counts) {
        const pct = (n / win.length) * 100;
        if (conditionHolds(rule.condition, pct)) return { value: pct, subject: v };
      }
      return null;
    }
  }
}

export function evaluate(rule: CorrelationRule, entries: Entry[]): CorrelationHit[] {
  const groups = new Map<string, Entry[]>();
  for (const e of entries) {
    let g = groups.get(e.groupKey);
    if (!g) groups.set(e.groupKey, (g = []));
    g.push(e);
  }
  const hits: CorrelationHit[] = [];
  for (const list of groups.values()) {
    list.sort((x, y) => x.t - y.t || x.pos - y.pos);
    let lastEnd = -1;
    let j = 0;
    for (let i = 0; i < list.length; i++) {
      if (j < i) j = i;
      while (j + 1 < list.length && list[j + 1]!.t - list[i]!.t <= rule.timespan) j++;
      if (j <= lastEnd) continue;
      const win = list.slice(i, j + 1);
      const agg = aggregate(rule, win);
      lastEnd = j;
      if (!agg || (rule.ctype !== 'value_percentile' && !conditionHolds(rule.condition, agg.value))) continue;
      hits.push(makeHit(rule, win, agg));
      i = j; // the next window starts after this one's matches
    }
  }
  hits.sort((a, b) => a.first - b.first);
  return hits;
}

function makeHit(rule: CorrelationRule, win: Entry[], agg: { value: number; subject?: string }): CorrelationHit {
  const events: CorrelationHit['events'] = [];
  let count = 0;
  const rules = new Set<string>();
  for (const e of win) {
    for (const r of e.refs) {
      count++;
      rules.add(r.rule);
      if (events.length < MAX_EVENTS_PER_HIT) events.push(r);
    }
  }
  const hit: CorrelationHit = {
    rule, first: win[0]!.t, last: win.at(-1)!.t, group: { ...win[0]!.groupVals },
    value: agg.value, rules: [...rules], events, eventCount: count,
  };
  if (agg.subject !== undefined) hit.subject = agg.subject;
  const host = win.find((e) => e.host)?.host;
  if (host) hit.host = host;
  return hit;
}
