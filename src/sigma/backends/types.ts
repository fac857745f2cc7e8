// What every query backend provides, and what a conversion yields.
import type { CorrelationRule, SigmaRule } from '../model.js';
import type { Expr } from './ir.js';

export type Target = 'kql' | 'spl' | 'esql' | 'eql' | 'sql';
export const TARGETS: readonly Target[] = ['kql', 'spl', 'esql', 'eql', 'sql'];

export interface BackendOptions {
  /** sql: duckdb (default) or sqlite */
  dialect?: string;
  /** a mapping file to use instead of data/backends/<target>.yaml */
  mapping?: string;
}

/** One base rule a correlation reads, already lowered (filters applied). */
export interface CorrelationInput { ref: string; rule: SigmaRule; expr: Expr }

export interface Backend {
  target: Target;
  /** the dialect or flavour actually used (sql: duckdb|sqlite) */
  flavour: string;
  /** one query for one detection rule; throws ConversionError when the target cannot express it */
  rule(rule: SigmaRule, expr: Expr): string;
  /** one query for one correlation rule over its base rules */
  correlation(rule: CorrelationRule, inputs: CorrelationInput[]): string;
  /** a comment line in the target's syntax (for query packs) */
  comment(text: string): string;
  /** how queries are separated in a pack */
  separator: string;
}

export interface Conversion {
  rule_id: string | null;
  title: string;
  target: Target;
  query?: string;
  error?: string;
  /** a short reason class for counting errors (unmapped field, regex construct, ...) */
  reason?: string;
  path: string;
  type: 'rule' | 'correlation';
}
