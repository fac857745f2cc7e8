// The rule AST shared by the matcher compiler, the reference interpreter and (later) query backends.
import type { Pos } from './yaml-doc.js';

export type Level = 'informational' | 'low' | 'medium' | 'high' | 'critical';
export const LEVELS: readonly Level[] = ['informational', 'low', 'medium', 'high', 'critical'];

export interface Logsource { product?: string; category?: string; service?: string; definition?: string }

/** One piece of a Sigma string after wildcard/escape parsing. `cls` is a set of interchangeable characters (windash). */
export type Part =
  | { k: 'lit'; s: string }
  | { k: 'any' }
  | { k: 'one' }
  | { k: 'cls'; chars: string };

export interface SigmaString {
  parts: Part[];
  /** Literal characters are bytes (0-255) after a utf16* encoding; base64 then encodes them as is. */
  bytes: boolean;
}

export type DatePart = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
export type CmpOp = 'gt' | 'gte' | 'lt' | 'lte';

/** A value after every modifier has been applied. */
export type Value =
  | { t: 'str'; s: SigmaString; cased: boolean }
  | { t: 'num'; n: number; source: string }
  | { t: 'bool'; b: boolean }
  | { t: 'null' }
  | { t: 're'; source: string; flags: string }
  | { t: 'cidr'; cidr: string }
  | { t: 'cmp'; op: CmpOp; n: number }
  | { t: 'exists'; b: boolean }
  | { t: 'fieldref'; field: string; mode: 'eq' | 'contains' | 'startswith' | 'endswith'; cased: boolean }
  | { t: 'datepart'; part: DatePart; op: CmpOp | 'eq'; n: number }
  /** Alternatives produced by one written value (base64offset, placeholder expansion); always ORed. */
  | { t: 'any-of'; values: Value[] };

export interface Item {
  /** null for a keyword item (searches every value of the event). */
  field: string | null;
  modifiers: string[];
  values: Value[];
  /** `|all`: every value must match instead of any. */
  all: boolean;
  /** `|neq`: the item is negated. */
  negate: boolean;
  pos: Pos;
}

/** A search identifier: a map (AND of items) or a list of maps / keywords (OR). */
export type Search =
  | { k: 'and'; items: Item[] }
  | { k: 'or'; items: Search[] }
  | { k: 'item'; item: Item };

export type Cond =
  | { k: 'and'; items: Cond[] }
  | { k: 'or'; items: Cond[] }
  | { k: 'not'; item: Cond }
  | { k: 'ref'; name: string }
  | { k: 'of'; all: boolean; names: string[] };

export interface Detection {
  searches: Map<string, Search>;
  /** The written condition(s); a list is ORed. */
  condition: Cond;
  conditionText: string[];
}

export interface RuleMeta {
  title: string;
  id?: string;
  name?: string;
  status?: string;
  description?: string;
  author?: string;
  references?: string[];
  date?: string;
  modified?: string;
  tags: string[];
  level?: Level;
  falsepositives?: string[];
  fields?: string[];
  /** Any other top-level key (custom fields such as `confidence` or `regression_tests_path`). */
  custom: Record<string, unknown>;
}

export interface Source { path: string; pos: Pos }

export interface SigmaRule {
  type: 'rule';
  meta: RuleMeta;
  logsource: Logsource;
  detection: Detection;
  source: Source;
}

export type CorrelationType =
  | 'event_count' | 'value_count' | 'temporal' | 'temporal_ordered'
  | 'value_sum' | 'value_avg' | 'value_percentile';

export interface CorrelationCondition {
  gt?: number; gte?: number; lt?: number; lte?: number; eq?: number; neq?: number;
  field?: string[];
}

export interface CorrelationRule {
  type: 'correlation';
  meta: RuleMeta;
  ctype: CorrelationType;
  rules: string[];
  groupBy: string[];
  /** milliseconds */
  timespan: number;
  timespanText: string;
  condition: CorrelationCondition;
  /** alias -> rule reference (id or name) -> field */
  aliases: Record<string, Record<string, string>>;
  generate: boolean;
  source: Source;
}

export interface FilterRule {
  type: 'filter';
  meta: RuleMeta;
  logsource: Logsource;
  /** Rule ids or names; empty means every rule of the logsource. */
  rules: string[];
  detection: Detection;
  source: Source;
}

export type SigmaDocument = SigmaRule | CorrelationRule | FilterRule;

export interface RuleProblem {
  path: string;
  line?: number;
  col?: number;
  rule_id?: string;
  message: string;
}

export function formatProblem(p: RuleProblem): string {
  const where = p.line !== undefined ? `${p.path}:${p.line}:${p.col ?? 1}` : p.path;
  return `${where}${p.rule_id ? ` [${p.rule_id}]` : ''}: ${p.message}`;
}

/** How findings, reports and correlations name a rule: its id, else its name, else its title. */
export function ruleKey(meta: RuleMeta): string {
  return meta.id ?? meta.name ?? meta.title;
}

/** A rule without `level` counts as medium. */
export function levelOf(meta: RuleMeta): Level {
  return meta.level ?? 'medium';
}

/** Whether a filter applies to a rule: it names the rule (or names none) and its logsource fields match. */
export function filterApplies(f: FilterRule, r: SigmaRule): boolean {
  if (f.rules.length && !f.rules.some((x) => x === r.meta.id || x === r.meta.name)) return false;
  const fl = f.logsource, rl = r.logsource;
  return (['product', 'service', 'category'] as const).every((k) => fl[k] === undefined || fl[k] === rl[k]);
}
