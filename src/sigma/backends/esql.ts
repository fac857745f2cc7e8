// ES|QL for Elasticsearch (data/backends/ecs.yaml). ES|QL compares text case-sensitively and has no
// (?i): a case-insensitive Sigma value lower-cases the field (TO_LOWER) and the value; a
// case-insensitive |re lower-cases the field and the regex (every letter the regex accepts, in its
// lower-case form). RLIKE matches the whole value, so a Sigma regex (a search) is wrapped in `.*`.
// ES|QL conditions are three-valued: under NOT, every field test also requires the field to exist,
// so that NOT keeps Sigma's meaning for a missing field.
import type { CorrelationRule, Part, SigmaRule } from '../model.js';
import { CMP_OP, ConversionError, expandClasses, foldParts, inDialect, shapeOf, type Expr, type Pred, conditionExpr } from './ir.js';
import type { Backend, CorrelationInput } from './types.js';
import { NUMERIC, entryFor, type ColumnType, type TargetMapping } from './mapping.js';
import { toLucene } from '../regex-ast.js';
import { elasticColumn, elasticField as esqlField, gatherLists, luceneGlob, whereClause, type Ctx } from './elastic.js';

/** An ES|QL string literal: triple-quoted (no escapes) when the text has backslashes or quotes. */
export function esqlString(s: string): string {
  if (s.includes('\u0000')) throw new ConversionError('a NUL character cannot be written in an ES|QL string', 'unsupported value');
  // eslint-disable-next-line no-control-regex
  if (/[\\"]/.test(s) && !s.includes('"""') && !/[\u0000-\u001f]/.test(s) && !s.endsWith('"')) return `"""${s}"""`;
  return '"' + s.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!) + '"';
}

function likeEsc(s: string): string { return s.replace(/[\\*?]/g, '\\$&'); }

export class EsqlBackend implements Backend {
  readonly target = 'esql' as const;
  readonly flavour = 'elasticsearch-ecs';
  readonly separator = '\n\n';
  private index: string;

  constructor(private m: TargetMapping) {
    this.index = String(m.settings['index'] ?? 'logs-*');
  }

  comment(text: string): string { return text.split('\n').map((l) => `// ${l}`).join('\n'); }

  private col(ctx: Ctx, field: string): { name: string; type: ColumnType } {
    return elasticColumn(ctx, field, 'ES|QL');
  }

  private str(f: string, type: ColumnType, parts: Part[], cased: boolean): string {
    const text = type === 'string' ? f : `TO_STRING(${f})`;
    const folded = foldParts(parts, cased);
    // no letters in the value: nothing to fold
    const caseless = folded.every((p) => (p.k === 'lit' ? p.s.toLowerCase() === p.s.toUpperCase() : p.k === 'cls' ? p.chars.toLowerCase() === p.chars.toUpperCase() : true));
    const subject = cased || caseless ? text : `TO_LOWER(${text})`;
    const one = (ps: Part[]): string => {
      const sh = shapeOf(ps);
      switch (sh.kind) {
        case 'any': return `${f} IS NOT NULL`;
        case 'eq': return `${subject} == ${esqlString(sh.lit)}`;
        case 'prefix': return `STARTS_WITH(${subject}, ${esqlString(sh.lit)})`;
        case 'suffix': return `ENDS_WITH(${subject}, ${esqlString(sh.lit)})`;
        default: return `${subject} LIKE ${esqlString(ps.map((p) => (p.k === 'lit' ? likeEsc(p.s) : p.k === 'any' ? '*' : '?')).join(''))}`;
      }
    };
    const alts = expandClasses(folded, 16);
    if (alts) return alts.length === 1 ? one(alts[0]!) : `(${alts.map(one).join(' OR ')})`;
    // many windash characters: a whole-value regex
    return `${subject} RLIKE ${esqlString(luceneGlob(folded))}`;
  }

  private pred(ctx: Ctx, field: string | null, p: Pred, neg: boolean): string {
    if (field === null) {
      const cols = ctx.e.keywords;
      if (!cols) throw new ConversionError('ES|QL has no search over every field (keywords)', 'keywords');
      return `(${cols.map((c) => this.on(c, 'string', p, neg)).join(' OR ')})`;
    }
    if (p.t === 'fieldref') {
      const a = this.col(ctx, field), b = this.col(ctx, p.other);
      const A0 = a.type === 'string' ? esqlField(a.name) : `TO_STRING(${esqlField(a.name)})`, B0 = b.type === 'string' ? esqlField(b.name) : `TO_STRING(${esqlField(b.name)})`;
      const A = p.cased ? A0 : `TO_LOWER(${A0})`, B = p.cased ? B0 : `TO_LOWER(${B0})`;
      const rel = p.mode === 'eq' ? `${A} == ${B}` : p.mode === 'contains' ? `LOCATE(${A}, ${B}) > 0` : p.mode === 'startswith' ? `STARTS_WITH(${A}, ${B})` : `ENDS_WITH(${A}, ${B})`;
      return `(${esqlField(a.name)} IS NOT NULL AND ${esqlField(b.name)} IS NOT NULL AND ${rel})`;
    }
    const c = this.col(ctx, field);
    return this.on(c.name, c.type, p, neg);
  }

  private on(name: string, type: ColumnType, p: Pred, neg: boolean): string {
    const f = esqlField(name);
    const guard = (x: string) => (neg ? `(${f} IS NOT NULL AND ${x})` : x);
    switch (p.t) {
      case 'str': {
        const s = this.str(f, type, p.parts, p.cased);
        return s.endsWith('IS NOT NULL') ? s : guard(s);
      }
      case 'num':
        if (NUMERIC.has(type)) return guard(`${f} == ${p.n}`);
      {
        const text = type === 'string' ? f : `TO_STRING(${f})`;
        const subject = p.forms.every((x) => x.toLowerCase() === x.toUpperCase()) ? text : `TO_LOWER(${text})`;
        return guard(p.forms.length === 1 ? `${subject} == ${esqlString(p.forms[0]!)}` : `${subject} IN (${p.forms.map(esqlString).join(', ')})`);
      }
      case 're': {
        const re = inDialect(() => toLucene(p.re, p.re.flags.i));
        const text = type === 'string' ? f : `TO_STRING(${f})`;
        return guard(`${p.re.flags.i ? `TO_LOWER(${text})` : text} RLIKE ${esqlString(re)}`);
      }
      case 'cidr': return guard(`CIDR_MATCH(${type === 'ip' ? f : `TO_IP(${f})`}, ${esqlString(p.cidr)})`);
      case 'cmp': {
        const op = CMP_OP[p.op];
        return NUMERIC.has(type) ? guard(`${f} ${op} ${p.n}`) : `(TO_DOUBLE(${f}) IS NOT NULL AND TO_DOUBLE(${f}) ${op} ${p.n})`;
      }
      case 'exists': return `${f} IS NOT NULL`;
      case 'null': return `${f} IS NULL`;
      case 'datepart': throw new ConversionError('date-part modifiers are not supported by the ES|QL backend', 'date part');
      case 'fieldref': throw new ConversionError('field references need two fields', 'fieldref');
    }
  }

  expr(ctx: Ctx, e: Expr, neg = false): string {
    switch (e.k) {
      case 'const': return e.v ? 'TRUE' : 'FALSE';
      case 'not': return `NOT ${this.wrap(ctx, e.item, !neg)}`;
      case 'and': return e.items.map((x) => this.wrap(ctx, x, neg)).join(' AND ');
      case 'or': {
        // `a == "x" OR a == "y"` -> `a IN ("x", "y")`
        const terms = e.items.map((x) => this.wrap(ctx, x, neg));
        return gatherLists(terms, /^((?:TO_LOWER\()?[A-Za-z0-9_.@`]+\)?) == ("(?:[^"\\]|\\.)*"|"""[^]*?""")$/, (subject, vals) => `${subject} IN (${vals.join(', ')})`).join(' OR ');
      }
      case 'pred': return this.pred(ctx, e.field, e.pred, neg);
    }
  }

  private wrap(ctx: Ctx, e: Expr, neg: boolean): string {
    const s = this.expr(ctx, e, neg);
    return e.k === 'and' || e.k === 'or' ? `(${s})` : s;
  }

  private where(rule: SigmaRule, e: Expr): string {
    return whereClause(this.m, rule, e, (ctx, full) => this.wrap(ctx, full, false), ' AND ', 'TRUE');
  }

  rule(rule: SigmaRule, e: Expr): string {
    return `FROM ${this.index}\n| WHERE ${this.where(rule, e)}`;
  }

  correlation(c: CorrelationRule, inputs: CorrelationInput[]): string {
    const alias = (g: string, ref: string) => c.aliases[g]?.[ref] ?? g;
    const vf = c.condition.field?.[0];
    // One pass over the index: each event is tagged with the first referenced rule it matches.
    const conds = inputs.map((inp) => this.where(inp.rule, inp.expr));
    // group-by and value fields are read through the first fitting entry
    const ctxs = inputs.map((inp): Ctx => ({ m: this.m, e: entryFor(this.m, inp.rule.logsource) }));
    const caseOf = (vals: string[]) => `CASE(${conds.map((w, i) => `${w}, ${vals[i]}`).join(', ')}, NULL)`;
    const evals = [`th_rule = ${caseOf(inputs.map((x) => esqlString(x.ref)))}`,
      ...c.groupBy.map((g, k) => `th_g${k} = TO_LOWER(${caseOf(inputs.map((x, i) => esqlField(this.col(ctxs[i]!, alias(g, x.ref)).name)))})`),
      ...(vf ? [`th_value = ${caseOf(inputs.map((x, i) => esqlField(this.col(ctxs[i]!, alias(vf, x.ref)).name)))}`] : [])];
    const span = `${c.timespan / 1000} seconds`;
    const by = [`th_bucket = DATE_TRUNC(${span}, @timestamp)`, ...c.groupBy.map((_, k) => `th_g${k}`)].join(', ');
    const cond = (x: string) => conditionExpr(c.condition, x, { eq: '==', neq: '!=', and: ' AND ', none: 'TRUE', spaced: true });
    const head = `FROM ${this.index}\n| EVAL ${evals.join(',\n    ')}\n| WHERE th_rule IS NOT NULL`;
    const stats = (name: string, agg: string) => `${head}\n| STATS ${name} = ${agg} BY ${by}\n| WHERE ${cond(name)}`;
    switch (c.ctype) {
      case 'event_count': return stats('event_count', 'COUNT(*)');
      case 'value_count': return stats('value_count', 'COUNT_DISTINCT(th_value)');
      case 'temporal': return stats('rule_count', 'COUNT_DISTINCT(th_rule)');
      default: throw new ConversionError(`correlation type ${c.ctype} is not supported by the ES|QL backend (fixed time buckets cannot check the order)`, 'correlation');
    }
  }
}
