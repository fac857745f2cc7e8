// EQL for Elasticsearch (data/backends/ecs.yaml). `:` compares case-insensitively with `*` and `?`
// wildcards and `like` case-sensitively; EQL has no escape for a literal `*` or `?`, so such values
// use `regex~` / `regex` (Lucene syntax: a whole-value match, so a Sigma regex is wrapped in `.*`).
// Under `not`, a field test also requires the field (`?field != null`), so a missing field keeps
// Sigma's meaning. temporal_ordered correlations are EQL sequences.
import type { CorrelationRule, Part, SigmaRule } from '../model.js';
import { CMP_OP, ConversionError, expandClasses, inDialect, shapeOf, type Expr, type Pred } from './ir.js';
import type { Backend, CorrelationInput } from './types.js';
import { NUMERIC, entryFor, type ColumnType, type TargetMapping } from './mapping.js';
import { toLucene } from '../regex-ast.js';
import { elasticColumn, elasticField as eqlField, gatherLists, luceneGlob, whereClause, type Ctx } from './elastic.js';

/** An EQL string: raw ("""...""") when it has backslashes or quotes, else with escapes. */
// eslint-disable-next-line no-control-regex
const EQL_ESCAPED = /[\\"\u0000-\u001f\u007f-\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]/g;

export function eqlString(s: string): string {
  if (s.includes('\u0000')) throw new ConversionError('a NUL character cannot be written in an EQL string', 'unsupported value');
  const special = s.replace(/[\\"]/g, '') !== s.replace(EQL_ESCAPED, '');
  if (/[\\"]/.test(s) && !special && !s.includes('"""') && !s.endsWith('"')) return `"""${s}"""`;
  // control and invisible characters as \u{...} escapes
  return '"' + s.replace(EQL_ESCAPED, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u{${c.charCodeAt(0).toString(16)}}`) + '"';
}

export class EqlBackend implements Backend {
  readonly target = 'eql' as const;
  readonly flavour = 'elasticsearch-ecs';
  readonly separator = '\n\n';

  constructor(private m: TargetMapping) {}

  comment(text: string): string { return text.split('\n').map((l) => `// ${l}`).join('\n'); }

  private col(ctx: Ctx, field: string): { name: string; type: ColumnType } {
    return elasticColumn(ctx, field, 'EQL');
  }

  private str(f: string, type: ColumnType, parts: Part[], cased: boolean): string {
    if (type !== 'string') return cased ? `string(${f}) like ${eqlString(this.pattern(parts))}` : this.strOnText(`string(${f})`, parts, cased);
    return this.strOnText(f, parts, cased);
  }

  private pattern(parts: Part[]): string {
    return parts.map((p) => (p.k === 'lit' ? p.s : p.k === 'any' ? '*' : '?')).join('');
  }

  private strOnText(f: string, parts: Part[], cased: boolean): string {
    const sh = shapeOf(parts);
    if (sh.kind === 'any') return `${f} != null`;
    const alts = expandClasses(parts, 16);
    const literalWildcard = (ps: Part[]) => ps.some((p) => p.k === 'lit' && /[*?]/.test(p.s));
    if (alts && !alts.some(literalWildcard)) {
      const pats = alts.map((a) => eqlString(this.pattern(a)));
      if (cased) return alts.every((a) => shapeOf(a).kind === 'eq') ? (pats.length === 1 ? `${f} == ${pats[0]}` : `${f} in (${pats.join(', ')})`) : `${f} like ${pats.length === 1 ? pats[0] : `(${pats.join(', ')})`}`;
      return `${f} : ${pats.length === 1 ? pats[0] : `(${pats.join(', ')})`}`;
    }
    // a literal * or ?, or many windash characters: a whole-value Lucene regex
    return `${f} ${cased ? 'regex' : 'regex~'} ${eqlString(luceneGlob(parts))}`;
  }

  private pred(ctx: Ctx, field: string | null, p: Pred, neg: boolean): string {
    if (field === null) {
      const cols = ctx.e.keywords;
      if (!cols) throw new ConversionError('EQL has no search over every field (keywords)', 'keywords');
      return `(${cols.map((c) => this.on(c, 'string', p, neg)).join(' or ')})`;
    }
    if (p.t === 'fieldref') throw new ConversionError('EQL cannot compare a field with another field', 'fieldref');
    const c = this.col(ctx, field);
    return this.on(c.name, c.type, p, neg);
  }

  private on(name: string, type: ColumnType, p: Pred, neg: boolean): string {
    const f = eqlField(name);
    const guard = (x: string) => (neg ? `(?${f} != null and ${x})` : x);
    switch (p.t) {
      case 'str': {
        const s = this.str(f, type, p.parts, p.cased);
        return s.endsWith('!= null') ? s : guard(s);
      }
      case 'num':
        if (NUMERIC.has(type)) return guard(`${f} == ${p.n}`);
        return guard(`${type === 'string' ? f : `string(${f})`} : ${p.forms.length === 1 ? eqlString(p.forms[0]!) : `(${p.forms.map(eqlString).join(', ')})`}`);
      case 're': {
        const re = inDialect(() => toLucene(p.re));
        return guard(`${type === 'string' ? f : `string(${f})`} ${p.re.flags.i ? 'regex~' : 'regex'} ${eqlString(re)}`);
      }
      case 'cidr': return guard(`cidrMatch(${f}, ${eqlString(p.cidr)})`);
      case 'cmp': {
        const op = CMP_OP[p.op];
        return guard(NUMERIC.has(type) ? `${f} ${op} ${p.n}` : `number(${f}) ${op} ${p.n}`);
      }
      case 'exists': return `?${f} != null`;
      case 'null': return `?${f} == null`;
      case 'datepart': throw new ConversionError('date-part modifiers are not supported by the EQL backend', 'date part');
      case 'fieldref': throw new ConversionError('EQL cannot compare a field with another field', 'fieldref');
    }
  }

  expr(ctx: Ctx, e: Expr, neg = false): string {
    switch (e.k) {
      case 'const': return e.v ? 'true' : 'false';
      case 'not': return `not ${this.wrap(ctx, e.item, !neg)}`;
      case 'and': return e.items.map((x) => this.wrap(ctx, x, neg)).join(' and ');
      case 'or': {
        // `f : "a" or f : "b"` -> `f : ("a", "b")` (also for like)
        const terms = e.items.map((x) => this.wrap(ctx, x, neg));
        return gatherLists(terms, /^([A-Za-z0-9_.@`]+ (?::|like)) ("(?:[^"\\]|\\.)*"|"""[^]*?""")$/, (lhs, vals) => `${lhs} (${vals.join(', ')})`).join(' or ');
      }
      case 'pred': return this.pred(ctx, e.field, e.pred, neg);
    }
  }

  private wrap(ctx: Ctx, e: Expr, neg: boolean): string {
    const s = this.expr(ctx, e, neg);
    return e.k === 'and' || e.k === 'or' ? `(${s})` : s;
  }

  private condition(rule: SigmaRule, e: Expr): string {
    return whereClause(this.m, rule, e, (ctx, full) => this.wrap(ctx, full, false), ' and ', 'true');
  }

  rule(rule: SigmaRule, e: Expr): string {
    return `any where ${this.condition(rule, e)}`;
  }

  correlation(c: CorrelationRule, inputs: CorrelationInput[]): string {
    if (c.ctype !== 'temporal_ordered') throw new ConversionError(`correlation type ${c.ctype} is not supported by the EQL backend (EQL has sequences, not counts)`, 'correlation');
    const n = inputs.length;
    if (!(c.condition.gte === n && Object.keys(c.condition).filter((k) => k !== 'field').length === 1))
      throw new ConversionError('temporal_ordered is supported with its default condition (every rule, in order)', 'correlation');
    const alias = (g: string, ref: string) => c.aliases[g]?.[ref] ?? g;
    const steps = inputs.map((inp) => {
      const cond = this.condition(inp.rule, inp.expr);
      const ctx: Ctx = { m: this.m, e: entryFor(this.m, inp.rule.logsource) };
      const by = c.groupBy.map((g) => eqlField(this.col(ctx, alias(g, inp.ref)).name));
      return `  [any where ${cond}]${by.length ? ` by ${by.join(', ')}` : ''}`;
    });
    return `sequence with maxspan=${c.timespan / 1000}s\n${steps.join('\n')}`;
  }
}
