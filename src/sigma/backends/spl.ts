// SPL for Splunk (data/backends/spl.yaml). The detection is split at its top-level ANDs: parts that
// Splunk's search language expresses exactly (field="value" is case-insensitive, `*` is a wildcard)
// stay in the search, always parenthesised (SPL binds OR tighter than AND); parts that need a regex
// (|re, `?` wildcards, literal `*`, |cased, numeric comparisons, field references) go whole — with
// their negations — into one `| where` clause, so a negated regex is never applied positively.
import type { CorrelationRule, Part, SigmaRule } from '../model.js';
import { CMP_OP, ConversionError, expandClasses, inDialect, type Expr, type Pred, conditionExpr } from './ir.js';
import type { Backend, CorrelationInput } from './types.js';
import { entryFor, fieldTarget, firstThatConverts, withChannels, type LogsourceEntry, type TargetMapping } from './mapping.js';
import { escapeRegexLiteral as pcreEsc, toPcre } from '../regex-ast.js';

/** A double-quoted SPL string (search terms and eval strings share the escaping of \ and "). */
export function splString(s: string): string {
  if (s.includes('\u0000')) throw new ConversionError('a NUL character cannot be written in an SPL string', 'unsupported value');
  return `"${s.replace(/[\\"]/g, '\\$&')}"`;
}

/** A field name in eval expressions (single quotes when it is not a plain name). */
function evalField(n: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) ? n : `'${n.replace(/'/g, "\\'")}'`;
}

function searchField(n: string): string {
  if (/[\s="()]/.test(n)) throw new ConversionError(`field name '${n}' cannot be written in an SPL search`, 'unsupported field name');
  return n;
}

/** A whole-value glob as a PCRE search: anchored where the value has no wildcard at that end. */
function globPcre(parts: Part[], cased: boolean, prefix = ''): string {
  let ps = parts;
  const start = prefix !== '' || ps[0]?.k !== 'any';
  const end = ps.at(-1)?.k !== 'any' || ps.length === 0;
  if (!start) ps = ps.slice(1);
  if (!end) ps = ps.slice(0, -1);
  const body = ps.map((p) => (p.k === 'lit' ? pcreEsc(p.s) : p.k === 'any' ? '.*' : p.k === 'one' ? '.' : `[${[...p.chars].map(pcreEsc).join('')}]`)).join('');
  const flags = `${ps.some((p) => p.k === 'any' || p.k === 'one') ? 's' : ''}${cased ? '' : 'i'}`;
  return `${flags ? `(?${flags})` : ''}${start ? '\\A' + pcreEsc(prefix) : ''}${body}${end ? '\\z' : ''}`;
}

interface Ctx { m: TargetMapping; e: LogsourceEntry }

export class SplBackend implements Backend {
  readonly target = 'spl' as const;
  readonly flavour = 'splunk';
  readonly separator = '\n\n';

  constructor(private m: TargetMapping) {}

  comment(text: string): string { return text.split('\n').map((l) => `\`comment(${splString(l)})\``).join('\n'); }

  private column(ctx: Ctx, field: string): { name: string; prefix: string } {
    const t = fieldTarget(ctx.m, ctx.e, field);
    if (t.kind !== 'column') throw new ConversionError(`field '${field}' maps to a ${t.kind} target, which SPL does not support`, 'unmapped field');
    return { name: t.name, prefix: t.prefix ?? '' };
  }

  /** The search-language form of a predicate, or null when only `| where` can express it. */
  private searchPred(ctx: Ctx, field: string | null, p: Pred): string | null {
    if (field === null) {
      if (!ctx.e.keywords) throw new ConversionError('keyword searches are not supported by this mapping', 'keywords');
      if (p.t !== 'str' || p.cased) return null;
      const parts = p.parts;
      if (parts.some((x) => x.k === 'one' || x.k === 'cls' || (x.k === 'lit' && x.s.includes('*')))) return null;
      // a keyword is a substring search of the raw event
      return splString(parts.map((x) => (x.k === 'lit' ? x.s : '*')).join(''));
    }
    const c = this.column(ctx, field);
    const f = searchField(c.name);
    switch (p.t) {
      case 'str': {
        if (p.cased) return null;
        const alts = expandClasses(p.parts, 16);
        if (!alts) return null;
        const terms: string[] = [];
        for (const a of alts) {
          if (a.some((x) => x.k === 'one' || (x.k === 'lit' && x.s.includes('*')))) return null;
          const v = c.prefix + a.map((x) => (x.k === 'lit' ? x.s : '*')).join('');
          terms.push(v === '*' ? `${f}=*` : `${f}=${splString(v)}`);
        }
        return terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
      }
      case 'num': return p.forms.length === 1 ? `${f}=${splString(c.prefix + p.forms[0]!)}` : `(${p.forms.map((x) => `${f}=${splString(c.prefix + x)}`).join(' OR ')})`;
      case 'exists': return `${f}=*`;
      case 'null': return `NOT ${f}=*`;
      case 'cidr': return c.prefix ? null : `${f}=${splString(p.cidr)}`;
      default: return null;
    }
  }

  /** The eval-expression (| where) form of a predicate; null-safe so that NOT keeps Sigma's meaning. */
  private evalPred(ctx: Ctx, field: string | null, p: Pred): string {
    if (field === null) {
      if (!ctx.e.keywords) throw new ConversionError('keyword searches are not supported by this mapping', 'keywords');
      return `(${ctx.e.keywords.map((k) => this.evalOn(k, '', p)).join(' OR ')})`;
    }
    const c = this.column(ctx, field);
    if (p.t === 'fieldref') {
      if (p.mode !== 'eq') throw new ConversionError('SPL eval has no exact contains/startswith/endswith between two fields', 'fieldref');
      const o = this.column(ctx, p.other);
      const a = evalField(c.name), b = evalField(o.name);
      return p.cased ? `(isnotnull(${a}) AND isnotnull(${b}) AND ${a}==${b})` : `(isnotnull(${a}) AND isnotnull(${b}) AND lower(${a})==lower(${b}))`;
    }
    return this.evalOn(c.name, c.prefix, p);
  }

  private evalOn(name: string, prefix: string, p: Pred): string {
    const f = evalField(name);
    const guard = (x: string) => `(isnotnull(${f}) AND ${x})`;
    const pre = pcreEsc(prefix);
    switch (p.t) {
      case 'str': return guard(`match(${f}, ${splString(globPcre(p.parts, p.cased, prefix))})`);
      case 'num': return guard(`match(${f}, ${splString(`(?i)\\A${pre}(?:${p.forms.map(pcreEsc).join('|')})\\z`)})`);
      case 're': {
        if (prefix) throw new ConversionError('a regex on a field written with a prefix is not supported', 'regex');
        return guard(`match(${f}, ${splString(inDialect(() => toPcre(p.re)))})`);
      }
      case 'cidr': return guard(`cidrmatch(${splString(p.cidr)}, ${f})`);
      case 'cmp': {
        const op = CMP_OP[p.op];
        return `(isnotnull(tonumber(${f})) AND tonumber(${f})${op}${p.n})`;
      }
      case 'exists': return `isnotnull(${f})`;
      case 'null': return `isnull(${f})`;
      case 'datepart': throw new ConversionError('date-part modifiers are not supported by the SPL backend', 'date part');
      case 'fieldref': throw new ConversionError('field references need two fields', 'fieldref');
    }
  }

  /** Search-language text of an expression, or null when part of it needs eval. */
  private search(ctx: Ctx, e: Expr): string | null {
    switch (e.k) {
      case 'const': return e.v ? '*' : null;
      case 'pred': return this.searchPred(ctx, e.field, e.pred);
      case 'not': { const s = this.search(ctx, e.item); return s === null ? null : `NOT ${this.paren(e.item, s)}`; }
      case 'and': case 'or': {
        const parts: string[] = [];
        for (const x of e.items) { const s = this.search(ctx, x); if (s === null) return null; parts.push(this.paren(x, s)); }
        return parts.join(e.k === 'and' ? ' AND ' : ' OR ');
      }
    }
  }

  private evalExpr(ctx: Ctx, e: Expr): string {
    switch (e.k) {
      case 'const': return e.v ? 'true()' : 'false()';
      case 'pred': return this.evalPred(ctx, e.field, e.pred);
      case 'not': return `NOT (${this.evalExpr(ctx, e.item)})`;
      case 'and': case 'or': return e.items.map((x) => (x.k === 'and' || x.k === 'or' ? `(${this.evalExpr(ctx, x)})` : this.evalExpr(ctx, x))).join(e.k === 'and' ? ' AND ' : ' OR ');
    }
  }

  private paren(e: Expr, s: string): string {
    return e.k === 'and' || e.k === 'or' ? `(${s})` : s;
  }

  /** The search line and the where clause of a rule. */
  rule(rule: SigmaRule, e: Expr): string {
    return firstThatConverts(this.m, rule.logsource, (entry) => {
      const ctx: Ctx = { m: this.m, e: entry };
      const full = withChannels(entry, rule.logsource, e);
      const conj = full.k === 'and' ? full.items : [full];
      const terms: string[] = [];
      const wheres: string[] = [];
      for (const x of conj) {
        if (x.k === 'const' && x.v) continue;
        const s = this.search(ctx, x);
        if (s !== null) terms.push(this.paren(x, s));
        else wheres.push(this.paren(x, this.evalExpr(ctx, x)));
      }
      if (entry.condition) terms.unshift(entry.condition);
      let q = terms.length ? terms.join(' ') : '*';
      if (wheres.length) q += `\n| where ${wheres.join(' AND ')}`;
      return q;
    });
  }

  correlation(c: CorrelationRule, inputs: CorrelationInput[]): string {
    const alias = (g: string, ref: string) => c.aliases[g]?.[ref] ?? g;
    const span = `${c.timespan / 1000}s`;
    const vf = c.condition.field?.[0];
    const groups = c.groupBy.map((_, i) => `th_g${i}`);
    const subs = inputs.map((inp) => {
      const q = this.rule(inp.rule, inp.expr);
      // group-by and value fields are read through the first fitting entry
      const ctx: Ctx = { m: this.m, e: entryFor(this.m, inp.rule.logsource) };
      const evals = [`th_rule=${splString(inp.ref)}`, ...c.groupBy.map((g, i) => `${groups[i]}=lower(${evalField(this.column(ctx, alias(g, inp.ref)).name)})`),
        ...(vf ? [`th_value=${evalField(this.column(ctx, alias(vf, inp.ref)).name)}`] : [])];
      return `${q}\n| eval ${evals.join(', ')}`;
    });
    const head = subs.length === 1 ? subs[0]! : `| multisearch\n${subs.map((s) => `  [ search ${s.replace(/\n/g, '\n    ')} ]`).join('\n')}`;
    const by = ['_time', ...groups].join(' ');
    const cond = (x: string) => conditionExpr(c.condition, x, { eq: '==', neq: '!=', and: ' AND ', none: 'true()', spaced: false });
    const tail = (agg: string, name: string) => `${head}\n| bin _time span=${span}\n| stats ${agg} AS ${name} BY ${by}\n| where ${cond(name)}`;
    switch (c.ctype) {
      case 'event_count': return tail('count', 'event_count');
      case 'value_count': return tail('dc(th_value)', 'value_count');
      case 'temporal': return tail('dc(th_rule)', 'rule_count');
      default: throw new ConversionError(`correlation type ${c.ctype} is not supported by the SPL backend (fixed time buckets cannot check the order)`, 'correlation');
    }
  }
}
