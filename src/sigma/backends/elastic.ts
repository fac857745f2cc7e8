// What the two Elasticsearch backends (EQL and ES|QL, both over data/backends/ecs.yaml) share: field
// names, whole-value Lucene regexes of globs, the column a Sigma field maps to, a rule's where clause
// and the gathering of `f OP "a" or f OP "b"` into one list.
import type { Part, SigmaRule } from '../model.js';
import { ConversionError, type Expr } from './ir.js';
import { fieldTarget, firstThatConverts, withChannels, type ColumnType, type LogsourceEntry, type TargetMapping } from './mapping.js';

export interface Ctx { m: TargetMapping; e: LogsourceEntry }

/** A field name: dotted plain names as they are, anything else in backquotes. */
export function elasticField(n: string): string {
  return n.split('.').every((p) => /^[A-Za-z_@][A-Za-z0-9_]*$/.test(p)) ? n : `\`${n.replace(/`/g, '``')}\``;
}

function luceneLiteral(s: string): string {
  return [...s].map((c) => (/[.?+*|{}[\]()"\\#@&<>~]/.test(c) ? '\\' + c : c)).join('');
}

/** A glob as a whole-value Lucene regex (literal `*` and `?`, character classes). */
export function luceneGlob(parts: Part[]): string {
  return parts.map((p) => (p.k === 'lit' ? luceneLiteral(p.s) : p.k === 'any' ? '.*' : p.k === 'one' ? '.' : `[${[...p.chars].map((c) => (/[\\\]\[^-]/.test(c) ? '\\' + c : c)).join('')}]`)).join('');
}

/** The column a Sigma field maps to; other targets and value prefixes are refused, naming `target`. */
export function elasticColumn(ctx: Ctx, field: string, target: string): { name: string; type: ColumnType } {
  const t = fieldTarget(ctx.m, ctx.e, field);
  if (t.kind !== 'column') throw new ConversionError(`field '${field}' maps to a ${t.kind} target, which ${target} does not support`, 'unmapped field');
  if (t.prefix) throw new ConversionError(`field '${field}' maps with a value prefix, which ${target} does not support`, 'unmapped field');
  return { name: t.name, type: t.type };
}

/** A rule's condition under the first entry that converts it: the entry's condition, then the detection (printed by `print`). */
export function whereClause(m: TargetMapping, rule: SigmaRule, e: Expr, print: (ctx: Ctx, e: Expr) => string, and: string, none: string): string {
  return firstThatConverts(m, rule.logsource, (entry) => {
    const full = withChannels(entry, rule.logsource, e);
    const conds = [...(entry.condition ? [entry.condition] : []), ...(full.k === 'const' && full.v ? [] : [print({ m, e: entry }, full)])];
    return conds.join(and) || none;
  });
}

/** OR-ed terms with those matching `re` (left side, value) gathered per left side into one `list(lhs, values)`. */
export function gatherLists(terms: string[], re: RegExp, list: (lhs: string, vals: string[]) => string): string[] {
  const out: string[] = [];
  const groups = new Map<string, { i: number; vals: string[] }>();
  for (const s of terms) {
    const m = re.exec(s);
    if (m) {
      const g = groups.get(m[1]!);
      if (g) { g.vals.push(m[2]!); continue; }
      groups.set(m[1]!, { i: out.length, vals: [m[2]!] });
    }
    out.push(s);
  }
  for (const [lhs, g] of groups) if (g.vals.length > 1) out[g.i] = list(lhs, g.vals);
  return out;
}
