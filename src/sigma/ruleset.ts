// A loaded rule set: rules compiled once, indexed by logsource, prefiltered by literals, with filters
// applied and correlation rules fed.
import type { Event } from '../events/model.js';
import { eventCategories } from '../events/model.js';
import type { CorrelationRule, FilterRule, RuleProblem, SigmaDocument, SigmaRule } from './model.js';
import { filterApplies } from './model.js';
import { compileDetection, type Matcher } from './compile.js';
import { EventView } from './event-view.js';
import { requirement, type Requirement } from './prefilter.js';
import { AhoCorasick } from '../util/aho-corasick.js';
import { Correlator, type CorrelationHit } from './correlate.js';

export interface CompiledRule {
  rule: SigmaRule;
  match: Matcher;
  req: Requirement;
  /** false when the rule only feeds correlations that do not `generate` it. */
  emit: boolean;
  index: number;
}

export interface RuleHit { rule: SigmaRule; event: Event; view: EventView }

interface Bucket {
  always: CompiledRule[];
  /** per field: an automaton of the literals, and what to do when literal `id` occurs */
  scans: { field: string; ac: AhoCorasick; hit: (id: number) => void }[];
}

/** The rules whose literal occurred in the current event (indexes into RuleSet.rules), each once. */
interface Candidates { seq: number; stamp: Int32Array; list: number[] }

function logsourceKey(l: { product?: string | undefined; service?: string | undefined; category?: string | undefined }): string {
  return `${l.product ?? ''}|${l.service ?? ''}|${l.category ?? ''}`;
}


export interface RuleSetStats { rules: number; correlations: number; filters: number; evaluated: number; events: number }

export class RuleSet {
  readonly rules: CompiledRule[] = [];
  readonly correlations: CorrelationRule[] = [];
  readonly problems: RuleProblem[] = [];
  private byLogsource = new Map<string, CompiledRule[]>();
  private buckets = new Map<string, Bucket>();
  private automata: AutomatonCache = new Map();
  private cand: Candidates = { seq: 0, stamp: new Int32Array(0), list: [] };
  private correlator: Correlator;
  readonly stats: RuleSetStats = { rules: 0, correlations: 0, filters: 0, evaluated: 0, events: 0 };

  constructor(docs: SigmaDocument[]) {
    const filters = docs.filter((d): d is FilterRule => d.type === 'filter');
    const rules = docs.filter((d): d is SigmaRule => d.type === 'rule');
    const corrs = docs.filter((d): d is CorrelationRule => d.type === 'correlation');
    this.correlator = new Correlator(rules, corrs, this.problems);
    this.correlations.push(...this.correlator.active);
    for (const rule of rules) {
      let match: Matcher;
      try {
        match = compileDetection(rule.detection);
        for (const f of filters) {
          if (!filterApplies(f, rule)) continue;
          const inner = match, fm = compileDetection(f.detection);
          // Filters spec: a filter suppresses the rule's matches where its condition holds.
          match = (ev) => inner(ev) && !fm(ev);
        }
      } catch (e) {
        this.problems.push({ path: rule.source.path, line: rule.source.pos.line, col: rule.source.pos.col, ...(rule.meta.id ? { rule_id: rule.meta.id } : {}), message: `cannot compile: ${(e as Error).message}` });
        continue;
      }
      const compiled: CompiledRule = { rule, match, req: requirement(rule.detection), emit: this.correlator.emits(rule), index: this.rules.length };
      this.rules.push(compiled);
      const k = logsourceKey(rule.logsource);
      let list = this.byLogsource.get(k);
      if (!list) this.byLogsource.set(k, (list = []));
      list.push(compiled);
    }
    this.cand.stamp = new Int32Array(this.rules.length);
    this.stats.rules = this.rules.length;
    this.stats.correlations = this.correlations.length;
    this.stats.filters = filters.length;
  }

  /** Rules whose logsource fits an event's: each set field of the rule equals the event's. */
  private bucketFor(ev: Event): Bucket {
    const ls = ev.logsource;
    const cats = eventCategories(ls);
    const sig = `${ls.product ?? ''}|${ls.service ?? ''}|${cats.join(',')}`;
    let b = this.buckets.get(sig);
    if (b) return b;
    let chosen: CompiledRule[];
    if (!ls.product && !ls.service && cats.length === 0) {
      // A record that names no logsource at all meets every rule.
      chosen = this.rules;
    } else {
      const seen = new Set<CompiledRule>();
      for (const p of [undefined, ls.product]) for (const s of [undefined, ls.service]) for (const c of [undefined, ...cats]) {
        for (const r of this.byLogsource.get(logsourceKey({ product: p, service: s, category: c })) ?? []) seen.add(r);
      }
      chosen = [...seen].sort((a, b2) => a.index - b2.index);
    }
    b = buildBucket(chosen, this.cand, this.automata);
    this.buckets.set(sig, b);
    return b;
  }

  /** Rule hits for one event (correlation rules are fed and report at `finish`). */
  match(ev: Event): RuleHit[] {
    this.stats.events++;
    const b = this.bucketFor(ev);
    const view = new EventView(ev.fields, ev.raw);
    const cand = this.cand;
    cand.seq++;
    cand.list.length = 0;
    for (const s of b.scans) {
      const strs = s.field === '*' ? view.allLower() : view.lower(s.field);
      if (strs) for (const str of strs) s.ac.scan(str, s.hit);
    }
    const matched: CompiledRule[] = [];
    for (const r of b.always) { this.stats.evaluated++; if (r.match(view)) matched.push(r); }
    if (cand.list.length > 1) cand.list.sort((x, y) => x - y);
    for (const i of cand.list) { const r = this.rules[i]!; this.stats.evaluated++; if (r.match(view)) matched.push(r); }
    if (b.always.length && matched.length > 1) matched.sort((x, y) => x.index - y.index);
    const hits: RuleHit[] = [];
    for (const r of matched) {
      if (r.emit) hits.push({ rule: r.rule, event: ev, view });
      this.correlator.record(r.rule, ev, view);
    }
    return hits;
  }

  finish(): CorrelationHit[] {
    return this.correlator.finish();
  }
}

/** Buckets with the same literals for a field (e.g. Sysmon and Security process creation) share one automaton. */
type AutomatonCache = Map<string, AhoCorasick>;

function buildBucket(rules: CompiledRule[], cand: Candidates, automata: AutomatonCache): Bucket {
  const always: CompiledRule[] = [];
  const perField = new Map<string, Map<string, number[]>>(); // field -> literal -> rule indexes
  for (const r of rules) {
    if (r.req === null) { always.push(r); continue; }
    for (const { field, lit } of r.req) {
      let m = perField.get(field);
      if (!m) perField.set(field, (m = new Map()));
      const owners = m.get(lit);
      if (owners) { if (owners.at(-1) !== r.index) owners.push(r.index); } else m.set(lit, [r.index]);
    }
  }
  const scans = [...perField].map(([field, m]) => {
    const owners = [...m.values()];
    // Built once per bucket, so the scan allocates nothing per event.
    const hit = (id: number) => {
      for (const i of owners[id]!) if (cand.stamp[i] !== cand.seq) { cand.stamp[i] = cand.seq; cand.list.push(i); }
    };
    const lits = [...m.keys()];
    const key = field + '\u0000' + lits.join('\u0000');
    let ac = automata.get(key);
    if (!ac) automata.set(key, (ac = new AhoCorasick(lits)));
    return { field, ac, hit };
  });
  return { always, scans };
}
